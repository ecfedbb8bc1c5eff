#!/usr/bin/env python3
"""Summarizes the JSON lines the interop_report callback wrote.

  report.py RESULTS.jsonl

Prints, for the first pass, one line per failing task (module, task, and the failing
HTTP exchange or the module's message), the na_ontap_rest_info subsets that failed, and
"N of M tasks succeed"; for the second pass, the tasks that said changed (not
idempotent) or failed only there. Exits 0 (the runner reports, it does not judge).
"""
import json
import sys
from urllib.parse import urlencode, urlsplit


def short_module(action):
    return (action or '?').split('.')[-1]


def query_of(params):
    if not params:
        return ''
    flat = []
    for k, v in params.items():
        if isinstance(v, (list, tuple)):
            v = ','.join(str(x) for x in v)
        flat.append((k, v))
    return urlencode(flat, safe=',*/')


def ontap_error(ex):
    ans = ex.get('answer')
    if isinstance(ans, dict) and isinstance(ans.get('error'), dict):
        err = ans['error']
        parts = ['code=%s' % err.get('code'), 'message=%r' % err.get('message')]
        if err.get('target'):
            parts.append('target=%s' % err.get('target'))
        return ' '.join(parts)
    if ans is not None:
        text = ans if isinstance(ans, str) else json.dumps(ans)
        return 'answer=%s' % text[:300]
    return ex.get('error') or 'no answer'


def exchange(ex):
    url = urlsplit(ex.get('url') or '')
    q = query_of(ex.get('params'))
    line = '%s %s%s' % (ex.get('method'), url.path, ('?' + q) if q else '')
    if ex.get('json') is not None:
        line += ' body=%s' % json.dumps(ex['json'], separators=(',', ':'))
    line += ' -> %s %s' % (ex.get('status'), ontap_error(ex))
    return line


def failing_exchange(rec):
    bad = [e for e in rec.get('exchanges') or [] if e.get('status') is None or e['status'] >= 400]
    return bad[-1] if bad else None


def one_line(text, limit=600):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit] + '...'


def label(rec):
    name = rec['task']
    if rec.get('item'):
        name += ' [%s]' % rec['item']
    return '%s | %s | %s' % (rec['playbook'], short_module(rec['action']), name)


def main():
    recs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    first = [r for r in recs if r['run_pass'] == '1']
    second = [r for r in recs if r['run_pass'] == '2']

    print('== first run: failing tasks')
    ok = 0
    for r in first:
        if r['status'] != 'failed':
            ok += 1
            continue
        ex = failing_exchange(r)
        detail = exchange(ex) if ex else 'msg: %s' % one_line(r.get('msg'))
        print('FAIL %s | %s' % (label(r), detail))
        if ex and r.get('msg'):
            print('     msg: %s' % one_line(r['msg'], 400))

    for r in first:
        subsets = r.get('subset_errors')
        if subsets is None:
            continue
        print('== %s | %s: %d of %d subsets fail' % (r['playbook'], r['task'], len(subsets), r.get('subsets', 0)))
        bad = [e for e in r.get('exchanges') or [] if e.get('status') is None or e['status'] >= 400]
        for name in sorted(subsets):
            err = subsets[name]
            if isinstance(err, dict):
                err = 'code=%s message=%r' % (err.get('code'), err.get('message'))
            path = '/api/' + name.lstrip('/')
            match = [e for e in bad if urlsplit(e.get('url') or '').path == path]
            ex = (' | ' + exchange(match[-1])) if match else ''
            print('SUBSET FAIL %s: %s%s' % (name, one_line(err, 300), ex))

    print('%d of %d tasks succeed' % (ok, len(first)))

    if second:
        print('== second run (idempotency)')
        by_key = {(r['playbook'], r['task'], r.get('item')): r for r in first}
        unchanged = 0
        for r in second:
            before = by_key.get((r['playbook'], r['task'], r.get('item')))
            if r['status'] == 'changed':
                writes = [e for e in r.get('exchanges') or [] if e.get('method') in ('POST', 'PATCH', 'DELETE')]
                what = '; '.join(exchange(e) for e in writes[:3]) or 'no write request'
                print('CHANGED ON SECOND RUN %s | %s' % (label(r), what))
            elif r['status'] == 'failed':
                if before is not None and before['status'] == 'failed':
                    continue   # reported with the first run
                ex = failing_exchange(r)
                detail = exchange(ex) if ex else 'msg: %s' % one_line(r.get('msg'))
                print('FAIL ON SECOND RUN ONLY %s | %s' % (label(r), detail))
            else:
                unchanged += 1
        print('%d of %d tasks ran unchanged on the second run (the others changed or failed)' % (unchanged, len(second)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
