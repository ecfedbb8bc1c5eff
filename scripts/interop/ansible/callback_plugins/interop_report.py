# -*- coding: utf-8 -*-
"""Records, for every task the interop playbooks run, one JSON line: the playbook, the
pass (INTEROP_PASS), the module, the task, its status, its message, and the HTTP
exchanges the netapp.ontap module made during the task.

The exchanges come from the collection's own trace (feature_flags: trace_apis: true),
which appends to /tmp/ontap_apis.log: a "sending: {...}" line per request and a
"STATUS: b'...'" line per answer. The plugin notes the log's size when a task starts and
reads what was appended when it ends (the playbooks run one host, one task at a time),
keeping only the requests sent to the simulator's port (INTEROP_PORT).

Output: INTEROP_RESULTS (a JSON-lines file), appended to.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: interop_report
    type: aggregate
    short_description: per-task results and HTTP exchanges for the ONTAP interop runner
    description: see the module docstring
    requirements:
      - enabled in the configuration (the runner sets ANSIBLE_CALLBACKS_ENABLED)
'''

import ast
import json
import os
import re
import time

from ansible.plugins.callback import CallbackBase

TRACE_LOG = '/tmp/ontap_apis.log'
LINE = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+)\s+(.*)$')
ANSWER = re.compile(r'^(\d+|None): (b[\'"].*)$')


def parse_trace(text, port):
    """The exchanges in a slice of the trace log: dicts with method, url, params, json,
    status and answer (the decoded JSON, or the text)."""
    exchanges = []
    current = None
    for raw in text.splitlines():
        m = LINE.match(raw)
        if not m:
            continue
        level, message = m.groups()
        if message.startswith('sending: '):
            try:
                sent = ast.literal_eval(message[len('sending: '):])
            except (ValueError, SyntaxError):
                current = None
                continue
            current = dict(method=sent.get('method'), url=sent.get('url'), params=sent.get('params'),
                           json=sent.get('json'), status=None, answer=None, error=None)
            if port and (':%s/' % port) not in (current['url'] or ''):
                current = None
                continue
            exchanges.append(current)
        elif current is not None and level == 'DEBUG':
            a = ANSWER.match(message)
            if a and current['status'] is None and current['answer'] is None:
                status, body = a.groups()
                current['status'] = None if status == 'None' else int(status)
                try:
                    content = ast.literal_eval(body)
                    content = content.decode('utf-8', 'replace')
                    try:
                        current['answer'] = json.loads(content) if content else None
                    except ValueError:
                        current['answer'] = content[:2000]
                except (ValueError, SyntaxError):
                    current['answer'] = body[:2000]
        elif current is not None and level == 'ERROR':
            if current['error'] is None:
                current['error'] = message[:2000]
    return exchanges


def trim_answer(ex):
    """Keep error answers whole, shorten the others (rest_info answers are large)."""
    ans = ex.get('answer')
    if ex.get('status') is not None and ex['status'] < 400 and isinstance(ans, (dict, list)):
        text = json.dumps(ans)
        if len(text) > 1500:
            ex['answer'] = text[:1500] + '...'
    return ex


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'interop_report'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.out = os.environ.get('INTEROP_RESULTS')
        self.port = os.environ.get('INTEROP_PORT')
        self.run_pass = os.environ.get('INTEROP_PASS', '1')
        self.playbook = None
        self.offset = 0
        self.started = time.time()

    def _size(self):
        try:
            return os.path.getsize(TRACE_LOG)
        except OSError:
            return 0

    def _slice(self):
        try:
            with open(TRACE_LOG, 'rb') as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return ''
        self.offset += len(data)
        return data.decode('utf-8', 'replace')

    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(playbook._file_name)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.offset = self._size()
        self.started = time.time()

    def _record(self, result, status, item=None):
        task = result._task
        res = result._result
        exchanges = [trim_answer(e) for e in parse_trace(self._slice(), self.port)]
        started, self.started = self.started, time.time()
        rec = dict(
            playbook=self.playbook,
            run_pass=self.run_pass,
            task=task.get_name(),
            action=task.action,
            item=item,
            status=status,
            changed=bool(res.get('changed')),
            msg=res.get('msg') or res.get('exception') or res.get('module_stderr'),
            warnings=res.get('warnings'),
            exchanges=exchanges,
            seconds=round(time.time() - started, 1),
        )
        info = res.get('ontap_info')
        if isinstance(info, dict):
            subsets = {}
            for name, value in info.items():
                if isinstance(value, dict) and 'error' in value:
                    subsets[name] = value['error']
                elif isinstance(value, str):
                    subsets[name] = value
            rec['subset_errors'] = subsets
            rec['subsets'] = len(info)
        if self.out:
            with open(self.out, 'a') as f:
                f.write(json.dumps(rec, default=str) + '\n')

    def _status(self, result, failed=False):
        if failed:
            return 'failed'
        return 'changed' if result._result.get('changed') else 'ok'

    def v2_runner_on_ok(self, result):
        if 'results' in result._result:   # a loop: its items were recorded
            return
        self._record(result, self._status(result))

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if 'results' in result._result:
            return
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        if 'results' in result._result:
            return
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'failed')

    def v2_runner_item_on_ok(self, result):
        self._record(result, self._status(result), item=str(result._result.get('item')))

    def v2_runner_item_on_failed(self, result):
        self._record(result, 'failed', item=str(result._result.get('item')))
