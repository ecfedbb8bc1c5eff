#!/usr/bin/env python3
"""Day-one storage-admin flows of NetApp's Python client (netapp_ontap) against ontap-sim.

Run by scripts/interop/python-client, which makes the venv, starts the simulator and
a package server. Each flow is independent: it makes what it needs under names of its
own (prefixed "py_" and the flow's short name) and removes what it made. A flow passes
when the client does what it would do against a real cluster. One line per flow:

    PASS name
    FAIL name: reason | METHOD /path?query -> STATUS code C: message | body: ...

then "N of M flows pass"; the exit status is 1 if any flow fails.

Usage: netapp_ontap_flows.py --host 127.0.0.1 --port 8443 --package-url URL [--only NAME,...]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid as uuidlib

import requests

import netapp_ontap
from netapp_ontap import HostConnection, NetAppRestError, config
from netapp_ontap import host_connection as _hc
from netapp_ontap.resources import (
    CLI,
    Account,
    Aggregate,
    Autosupport,
    BroadcastDomain,
    CifsShare,
    Cluster,
    Disk,
    Dns,
    ExportPolicy,
    ExportRule,
    Igroup,
    IgroupInitiator,
    IpInterface,
    Ipspace,
    Job,
    LicensePackage,
    LoginMessages,
    Lun,
    LunMap,
    NetworkRoute,
    NfsService,
    Node,
    NtpServer,
    Port,
    Qtree,
    Role,
    Schedule,
    SecurityCertificate,
    Snapshot,
    SnapshotPolicy,
    Software,
    SoftwarePackage,
    SoftwarePackageDownload,
    Svm,
    Volume,
)

USERNAME = "admin"
PASSWORD = "netapp1!"
MIB = 1024 * 1024
GIB = 1024 * MIB

# --------------------------------------------------------------------------------------
# Recording the HTTP exchanges: every request the library sends goes through its
# LoggingAdapter; the wrapper keeps method, URL, body, status and response text.

EXCHANGES = []


class Exchange:
    def __init__(self, method, url, body, status, text):
        self.method = method
        self.url = url
        self.body = body
        self.status = status
        self.text = text

    def path(self):
        return requests.utils.urlparse(self.url)._replace(scheme="", netloc="").geturl()

    def error(self):
        try:
            err = json.loads(self.text).get("error", {})
            return err.get("code"), err.get("message"), err.get("target")
        except Exception:  # noqa: BLE001 - not JSON
            return None, None, None

    def describe(self):
        code, message, target = self.error()
        out = f"{self.method} {self.path()} -> {self.status}"
        if code is not None or message is not None:
            out += f" code {code}: {message}"
            if target:
                out += f" (target {target})"
        elif self.status >= 400:
            out += f": {self.text[:200]!r}"
        if self.body:
            body = self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else str(self.body)
            out += f" | request body: {body[:400]}"
        return out


_original_send = _hc.LoggingAdapter.send


def _recording_send(self, request, *args, **kwargs):
    response = _original_send(self, request, *args, **kwargs)
    try:
        text = response.text if not kwargs.get("stream") else ""
    except Exception:  # noqa: BLE001
        text = ""
    EXCHANGES.append(Exchange(request.method, request.url, request.body, response.status_code, text))
    return response


_hc.LoggingAdapter.send = _recording_send


class FlowFailure(Exception):
    """A flow's own check failed (the client worked, the answer was not ONTAP's)."""


def check(cond, message):
    if not cond:
        raise FlowFailure(message)


def expect_error(fn, status=None, code=None, what="request"):
    """Runs fn, which must raise NetAppRestError; checks its HTTP status and ONTAP code."""
    try:
        fn()
    except NetAppRestError as err:
        body = err.response_body or {}
        got_code = (body.get("error") or {}).get("code")
        if status is not None:
            check(err.status_code == status, f"{what}: expected HTTP {status}, got {err.status_code} ({err})")
        if code is not None:
            check(str(got_code) == str(code), f"{what}: expected ONTAP code {code}, got {got_code} ({err})")
        if err.status_code is not None:
            NOTES.append(f"{err.status_code} code {got_code}: {(body.get('error') or {}).get('message')}")
        else:
            NOTES.append(str(err))
        return err
    raise FlowFailure(f"{what}: expected a NetAppRestError, the call succeeded")


def names(records):
    return [r.name for r in records]


# --------------------------------------------------------------------------------------
# Context shared by the flows (read-only facts of the default cluster).

class Ctx:
    package_url = ""
    host = "127.0.0.1"
    port = 8443
    vs0_uuid = None


CTX = Ctx()
FLOWS = []


def flow(fn):
    FLOWS.append(fn)
    return fn


def vs0():
    if CTX.vs0_uuid is None:
        CTX.vs0_uuid = Svm.find(name="vs0").uuid
    return CTX.vs0_uuid


CLEANUPS = []
NOTES = []  # the errors the flow expected and got, shown on its PASS line


def track(resource):
    """Has the runner delete what a flow made once the flow is over (after the report of
    a failure, so the failing exchange is the flow's own), newest first."""
    CLEANUPS.append(resource)
    return resource


def new_volume(name, size=100 * MIB, **extra):
    vol = Volume(name=name, svm={"name": "vs0"}, aggregates=[{"name": "aggr1"}], size=size, **extra)
    vol.post(hydrate=True)
    return track(vol)


def drop(resource):
    """Deletes what a flow made, ignoring a record that is already gone."""
    try:
        resource.delete()
    except NetAppRestError as err:
        if err.status_code != 404:
            raise


# --------------------------------------------------------------------------------------
# Cluster, nodes, storage inventory

@flow
def cluster_version():
    cluster = Cluster()
    cluster.get(fields="version")
    check(cluster.version.generation == 9, f"version.generation is {cluster.version.generation}")
    check(isinstance(cluster.version.minor, int), "version.minor missing")
    check("NetApp Release" in cluster.version.full, f"version.full is {cluster.version.full!r}")


@flow
def cluster_get_default_fields():
    cluster = Cluster()
    cluster.get()
    check(cluster.name == "sim-cluster", f"cluster name {getattr(cluster, 'name', None)!r}")
    check(getattr(cluster, "uuid", None), "the cluster has no uuid")


@flow
def cluster_patch_contact_location():
    cluster = Cluster()
    cluster.get(fields="contact,location")
    old_contact = getattr(cluster, "contact", "")
    old_location = getattr(cluster, "location", "")
    cluster.contact = "py-admin@example.com"
    cluster.location = "py-lab rack 4"
    cluster.patch()
    again = Cluster()
    again.get(fields="contact,location")
    check(again.contact == "py-admin@example.com", f"contact is {again.contact!r}")
    check(again.location == "py-lab rack 4", f"location is {again.location!r}")
    cluster.contact = old_contact
    cluster.location = old_location
    cluster.patch()


@flow
def nodes_list():
    nodes = list(Node.get_collection(fields="name,model,state,version"))
    got = sorted(names(nodes))
    check(got == ["sim-cluster-01", "sim-cluster-02"], f"nodes {got}")
    for node in nodes:
        check(getattr(node, "model", None), f"node {node.name} has no model")


@flow
def node_find_and_get():
    node = Node.find(name="sim-cluster-01")
    check(node is not None, "Node.find(name=sim-cluster-01) found nothing")
    again = Node(uuid=node.uuid)
    again.get()
    check(again.name == "sim-cluster-01", f"GET by uuid answered {again.name!r}")


@flow
def aggregates_list_space():
    aggrs = list(Aggregate.get_collection(fields="name,space,state"))
    got = sorted(names(aggrs))
    check(got == ["aggr1", "aggr2"], f"aggregates {got}")
    for aggr in aggrs:
        check(aggr.space.block_storage.size > 0, f"{aggr.name} has no space.block_storage.size")


@flow
def aggregate_find_get():
    aggr = Aggregate.find(name="aggr1")
    check(aggr is not None, "Aggregate.find(name=aggr1) found nothing")
    check(aggr.state == "online", f"aggr1 state {aggr.state!r}")
    again = Aggregate(uuid=aggr.uuid)
    again.get(fields="name,node,space.block_storage.available")
    check(again.node.name in ("sim-cluster-01", "sim-cluster-02"), f"aggr1 node {again.node}")


@flow
def disks_list():
    disks = list(Disk.get_collection(fields="name,state,type,node,container_type"))
    check(len(disks) > 0, "no disks")
    check(Disk.count_collection() == len(disks), "count_collection differs from the listing")


@flow
def ports_list_per_node():
    ports = list(Port.get_collection(fields="name,state,type,mtu", **{"node.name": "sim-cluster-01"}))
    got = sorted(names(ports))
    check(got == ["e0a", "e0b", "e0c", "e0d"], f"ports of sim-cluster-01: {got}")


@flow
def broadcast_domains_and_ipspaces():
    bds = names(BroadcastDomain.get_collection(fields="name,ipspace,mtu"))
    check({"Default", "Cluster"} <= set(bds), f"broadcast domains {bds}")
    ips = names(Ipspace.get_collection())
    check({"Default", "Cluster"} <= set(ips), f"ipspaces {ips}")


@flow
def ipspace_crud():
    ips = Ipspace(name="py_ips_a")
    ips.post(hydrate=True)
    track(ips)
    check(getattr(ips, "uuid", None), "no uuid after post")
    ips.name = "py_ips_b"
    ips.patch()
    again = Ipspace(uuid=ips.uuid)
    again.get()
    check(again.name == "py_ips_b", f"renamed ipspace is {again.name!r}")
    ips.delete()
    expect_error(lambda: Ipspace(uuid=ips.uuid).get(), status=404, what="GET of the deleted ipspace")


@flow
def broadcast_domain_crud():
    bd = BroadcastDomain(name="py_bd", ipspace={"name": "Default"}, mtu=1500)
    bd.post(hydrate=True)
    track(bd)
    check(bd.mtu == 1500, f"mtu {getattr(bd, 'mtu', None)}")
    bd.mtu = 9000
    bd.patch()
    bd.get()
    check(bd.mtu == 9000, f"mtu after patch {bd.mtu}")
    bd.delete()


@flow
def licenses_list():
    lic = names(LicensePackage.get_collection(fields="name,state,scope"))
    check("base" in lic and "nfs" in lic, f"licenses {lic}")
    nfs = LicensePackage(name="nfs")
    nfs.get()
    check(nfs.name == "nfs", "GET of the nfs license")


# --------------------------------------------------------------------------------------
# SVMs

@flow
def svm_list_and_find():
    svms = names(Svm.get_collection())
    check("vs0" in svms, f"svms {svms}")
    svm = Svm.find(name="vs0")
    check(svm.nfs.enabled is True, f"vs0 nfs.enabled {svm.nfs.enabled}")
    check(svm.state == "running", f"vs0 state {svm.state}")


@flow
def svm_create_patch_delete():
    svm = Svm(name="py_svm_crud", aggregates=[{"name": "aggr1"}], comment="made by netapp_ontap")
    svm.post(hydrate=True)
    track(svm)
    check(getattr(svm, "uuid", None), "no uuid after post")
    check(svm.comment == "made by netapp_ontap", f"comment {getattr(svm, 'comment', None)!r}")
    svm.comment = "changed"
    svm.patch()
    again = Svm.find(name="py_svm_crud")
    check(again.comment == "changed", f"comment after patch {again.comment!r}")
    svm.delete()
    check(Svm.find(name="py_svm_crud") is None, "the SVM is still listed after delete")


@flow
def svm_duplicate_name_error():
    dup = Svm(name="vs0")

    def attempt():
        dup.post()
        track(dup)

    err = expect_error(attempt, what="POST of a second SVM vs0")
    check("vs0" in str(err) or "exist" in str(err).lower() or "duplicate" in str(err).lower(),
          f"error does not say why: {err}")


@flow
def svm_get_unknown_404():
    expect_error(lambda: Svm(uuid=str(uuidlib.uuid4())).get(), status=404, code="4",
                 what="GET of an unknown SVM")


@flow
def nfs_service_get():
    nfs = NfsService(svm={"uuid": vs0()})
    nfs.get()
    check(nfs.enabled is True, f"vs0 NFS enabled {getattr(nfs, 'enabled', None)}")


# --------------------------------------------------------------------------------------
# Volumes

@flow
def volume_create_get_delete():
    vol = new_volume("py_vol_crud", size=200 * MIB)
    check(getattr(vol, "uuid", None), "no uuid after post(hydrate=True)")
    check(vol.size == 200 * MIB, f"size {getattr(vol, 'size', None)}")
    check(vol.svm.name == "vs0", f"svm {vol.svm}")
    again = Volume(uuid=vol.uuid)
    again.get(fields="name,size,state,space")
    check(again.state == "online", f"state {again.state}")
    vol.delete()
    expect_error(lambda: Volume(uuid=vol.uuid).get(), status=404, what="GET of the deleted volume")


@flow
def volume_resize():
    vol = new_volume("py_vol_resize", size=100 * MIB)
    vol.size = 300 * MIB
    vol.patch()
    vol.get(fields="size,space.size")
    check(vol.size == 300 * MIB, f"size after patch {vol.size}")


@flow
def volume_rename_and_comment():
    vol = new_volume("py_vol_ren_a")
    vol.name = "py_vol_ren_b"
    vol.comment = "renamed"
    vol.patch()
    found = Volume.find(name="py_vol_ren_b", **{"svm.name": "vs0"})
    check(found is not None and found.uuid == vol.uuid, "renamed volume not found by name")
    check(found.comment == "renamed", f"comment {getattr(found, 'comment', None)!r}")


@flow
def volume_offline_online():
    vol = new_volume("py_vol_state")
    vol.state = "offline"
    vol.patch()
    vol.get(fields="state")
    check(vol.state == "offline", f"state after offline {vol.state}")
    vol.state = "online"
    vol.patch()
    vol.get(fields="state")
    check(vol.state == "online", f"state after online {vol.state}")


@flow
def volume_nas_path_and_policy():
    vol = new_volume("py_vol_nas", nas={"path": "/py_vol_nas", "security_style": "unix",
                                        "export_policy": {"name": "default"}})
    vol.get(fields="nas")
    check(vol.nas.path == "/py_vol_nas", f"nas.path {vol.nas.path!r}")
    check(vol.nas.export_policy.name == "default", f"nas.export_policy {vol.nas.export_policy}")


@flow
def volume_thin_provisioned_with_snapshot_policy():
    vol = new_volume("py_vol_thin", size=1 * GIB, guarantee={"type": "none"},
                     snapshot_policy={"name": "default"})
    vol.get(fields="guarantee,snapshot_policy")
    check(vol.guarantee.type == "none", f"guarantee {vol.guarantee}")
    check(vol.snapshot_policy.name == "default", f"snapshot_policy {vol.snapshot_policy}")


@flow
def volume_paging_count_find():
    made = [new_volume(f"py_page_{i}") for i in range(5)]
    seen = [v.name for v in Volume.get_collection(name="py_page_*", fields="name,size", max_records=2)]
    check(sorted(seen) == [f"py_page_{i}" for i in range(5)], f"paged listing {seen}")
    pages = [e for e in EXCHANGES if e.method == "GET" and "/api/storage/volumes" in e.url]
    check(len(pages) >= 3, f"max_records=2 over 5 records took {len(pages)} GETs")
    check(Volume.count_collection(name="py_page_*") == 5, "count_collection")
    one = Volume.find(name="py_page_3")
    check(one is not None and one.uuid == made[3].uuid, "find(name=py_page_3)")


@flow
def volume_order_by():
    for n, s in (("py_ord_b", 300 * MIB), ("py_ord_a", 100 * MIB),
                                                ("py_ord_c", 200 * MIB)):
        new_volume(n, size=s)
    desc = [v.name for v in Volume.get_collection(name="py_ord_*", order_by="name desc")]
    check(desc == ["py_ord_c", "py_ord_b", "py_ord_a"], f"order_by=name desc: {desc}")
    by_size = [v.name for v in Volume.get_collection(name="py_ord_*", order_by="size", fields="size")]
    check(by_size == ["py_ord_a", "py_ord_c", "py_ord_b"], f"order_by=size: {by_size}")


@flow
def volume_fields_star_and_double_star():
    vol = new_volume("py_vol_fields")
    star = Volume(uuid=vol.uuid)
    star.get(fields="*")
    d1 = star.to_dict()
    check("space" in d1 and "svm" in d1 and "aggregates" in d1, f"fields=* lacks keys: {sorted(d1)}")
    double = Volume(uuid=vol.uuid)
    double.get(fields="**")
    d2 = double.to_dict()
    check(set(d1) <= set(d2), f"fields=** lacks {sorted(set(d1) - set(d2))}")
    listed = list(Volume.get_collection(name="py_vol_fields", fields="**"))
    check(len(listed) == 1 and listed[0].uuid == vol.uuid, "collection with fields=**")


@flow
def volume_filters():
    new_volume("py_flt_small", size=100 * MIB)
    new_volume("py_flt_large", size=2 * GIB)
    big = [v.name for v in Volume.get_collection(name="py_flt_*", size=">1000000000")]
    check(big == ["py_flt_large"], f"size=>1000000000: {big}")
    either = sorted(v.name for v in Volume.get_collection(name="py_flt_small|py_flt_large"))
    check(either == ["py_flt_large", "py_flt_small"], f"name=a|b: {either}")
    not_small = [v.name for v in Volume.get_collection(name="py_flt_*", **{"size": "!104857600"})]
    check(not_small == ["py_flt_large"], f"size=!104857600: {not_small}")


@flow
def volume_duplicate_name_error():
    new_volume("py_vol_dup")
    err = expect_error(lambda: new_volume("py_vol_dup"), what="POST of a duplicate volume name")
    check("py_vol_dup" in str(err) or "exist" in str(err).lower() or "duplicate" in str(err).lower(),
          f"error does not say why: {err}")
    check(Volume.count_collection(name="py_vol_dup") == 1, "two volumes py_vol_dup exist")


@flow
def volume_unknown_aggregate_error():
    expect_error(lambda: Volume(name="py_vol_noaggr", svm={"name": "vs0"},
                                aggregates=[{"name": "no_such_aggr"}], size=100 * MIB).post(),
                 what="POST of a volume on an unknown aggregate")
    check(Volume.find(name="py_vol_noaggr") is None, "the volume was made anyway")


@flow
def volume_get_unknown_404():
    expect_error(lambda: Volume(uuid=str(uuidlib.uuid4())).get(), status=404, code="4",
                 what="GET of an unknown volume")


@flow
def volume_bad_field_error():
    expect_error(lambda: list(Volume.get_collection(fields="no_such_field")), status=400,
                 what="GET with fields=no_such_field")


@flow
def volume_patch_collection_by_query():
    for i in range(3):
        new_volume(f"py_pc_{i}")
    Volume.patch_collection({"comment": "bulk"}, name="py_pc_*")
    comments = [v.comment for v in Volume.get_collection(name="py_pc_*", fields="comment")]
    check(comments == ["bulk"] * 3, f"comments after patch_collection: {comments}")


@flow
def volume_delete_collection_by_query():
    for i in range(3):
        new_volume(f"py_dc_{i}")
    new_volume("py_dckeep")
    Volume.delete_collection(name="py_dc_*")
    check(Volume.count_collection(name="py_dc_*") == 0, "volumes left after delete_collection")
    check(Volume.count_collection(name="py_dckeep") == 1, "delete_collection removed too much")


@flow
def volume_post_without_poll_then_job():
    vol = Volume(name="py_vol_job", svm={"name": "vs0"}, aggregates=[{"name": "aggr1"}], size=100 * MIB)
    response = vol.post(poll=False)
    track(vol)
    check(response.is_job, f"POST answered no job (status {response.http_response.status_code})")
    job_uuid = response.http_response.json()["job"]["uuid"]
    done = response.poll()
    check(done.http_response.json().get("state") == "success", f"job ended {done.http_response.text}")
    job = Job(uuid=job_uuid)
    job.get()
    check(job.state == "success", f"Job.get state {job.state}")
    check(getattr(job, "description", ""), "job has no description")


@flow
def jobs_collection():
    vol = new_volume("py_vol_jobs")
    drop(vol)
    jobs = list(Job.get_collection(fields="uuid,state,description,start_time", max_records=20,
                                   order_by="start_time desc"))
    check(len(jobs) > 0, "no jobs listed")
    check(all(j.state in ("queued", "running", "paused", "success", "failure") for j in jobs),
          f"job states {[j.state for j in jobs]}")
    check(Job.count_collection(state="success") > 0, "no successful jobs counted")


# --------------------------------------------------------------------------------------
# Snapshots, schedules, policies

@flow
def snapshot_create_list_delete():
    vol = new_volume("py_vol_snap")
    snap = Snapshot(vol.uuid, name="py_snap_1", comment="before change")
    snap.post(hydrate=True)
    check(getattr(snap, "uuid", None), "no uuid after post")
    check(getattr(snap, "create_time", None) is not None, "no create_time after hydrate")
    listed = names(Snapshot.get_collection(vol.uuid))
    check("py_snap_1" in listed, f"snapshots {listed}")
    found = Snapshot.find(vol.uuid, name="py_snap_1")
    check(found.uuid == snap.uuid, "find by name")
    snap.delete()
    check(Snapshot.count_collection(vol.uuid, name="py_snap_1") == 0, "snapshot left after delete")


@flow
def snapshot_rename():
    vol = new_volume("py_vol_snapren")
    snap = Snapshot(vol.uuid, name="py_snap_old")
    snap.post(hydrate=True)
    snap.name = "py_snap_new"
    snap.patch()
    again = Snapshot(vol.uuid, uuid=snap.uuid)
    again.get()
    check(again.name == "py_snap_new", f"name after rename {again.name!r}")


@flow
def snapshot_of_unknown_volume():
    expect_error(lambda: list(Snapshot.get_collection(str(uuidlib.uuid4()))), status=404,
                 what="snapshots of an unknown volume")


@flow
def schedules_defaults_and_crud():
    daily = Schedule.find(name="daily")
    check(daily is not None and daily.type == "cron", "default schedule 'daily'")
    sched = Schedule(name="py_sched", cron={"minutes": [15], "hours": [2]})
    sched.post(hydrate=True)
    track(sched)
    check(sched.type == "cron", f"type {getattr(sched, 'type', None)}")
    sched.cron = {"minutes": [30], "hours": [3]}
    sched.patch()
    sched.get()
    check(sched.cron.minutes == [30] and sched.cron.hours == [3], f"cron after patch {sched.cron}")
    sched.delete()


@flow
def snapshot_policy_crud():
    pol = SnapshotPolicy(name="py_snappol", copies=[{"count": 6, "schedule": {"name": "hourly"}},
                                                    {"count": 2, "schedule": {"name": "daily"}}],
                         enabled=True)
    pol.post(hydrate=True)
    track(pol)
    check(len(pol.copies) == 2, f"copies {pol.copies}")
    pol.comment = "py policy"
    pol.patch()
    found = SnapshotPolicy.find(name="py_snappol")
    check(found.comment == "py policy", f"comment {getattr(found, 'comment', None)!r}")


# --------------------------------------------------------------------------------------
# NAS: export policies, qtrees, CIFS

@flow
def export_policy_default():
    # Every SVM has an export policy "default", created without rules (an admin may add
    # some), so the flow does not count them: the policy's rules and its rules collection
    # are the same rules and must agree.
    pol = ExportPolicy.find(name="default", fields="rules", **{"svm.name": "vs0"})
    check(pol is not None, "no default export policy in vs0")
    embedded = sorted((getattr(r, "index", None) for r in getattr(pol, "rules", None) or []), key=str)
    listed = sorted((r.index for r in ExportRule.get_collection(pol.id)), key=str)
    check(listed == embedded, f"rule indexes: policy.rules {embedded}, rules collection {listed}")


@flow
def export_policy_with_rules():
    pol = ExportPolicy(name="py_exp", svm={"name": "vs0"},
                       rules=[{"clients": [{"match": "10.0.0.0/8"}], "ro_rule": ["sys"],
                               "rw_rule": ["sys"], "superuser": ["none"]}])
    pol.post(hydrate=True)
    track(pol)
    check(getattr(pol, "id", None) is not None, "no id after post")
    rules = list(ExportRule.get_collection(pol.id, fields="*"))
    check(len(rules) == 1 and rules[0].index == 1, f"rules {[r.to_dict() for r in rules]}")
    rule = ExportRule(pol.id, clients=[{"match": "192.0.2.0/24"}], ro_rule=["any"], rw_rule=["never"])
    rule.post(hydrate=True)
    track(rule)
    check(rule.index == 2, f"second rule index {getattr(rule, 'index', None)}")
    rule.rw_rule = ["sys"]
    rule.patch()
    rule.get()
    check(rule.rw_rule == ["sys"], f"rw_rule after patch {rule.rw_rule}")
    rule.delete()
    check(ExportRule.count_collection(pol.id) == 1, "rule left after delete")


@flow
def export_policy_duplicate_error():
    expect_error(lambda: ExportPolicy(name="default", svm={"name": "vs0"}).post(), status=409,
                 what="POST of a second export policy 'default' in vs0")


@flow
def qtree_crud():
    vol = new_volume("py_vol_qtree")
    qt = Qtree(volume={"name": "py_vol_qtree"}, svm={"name": "vs0"}, name="py_qt",
               security_style="unix", unix_permissions=755)
    qt.post(hydrate=True)
    track(qt)
    check(getattr(qt, "id", None) is not None, "no id after post")
    check(qt.volume.uuid == vol.uuid, f"volume.uuid {qt.volume}")
    qt.security_style = "mixed"
    qt.patch()
    qt.get()
    check(qt.security_style == "mixed", f"security_style {qt.security_style}")
    names_ = names(Qtree.get_collection(**{"volume.name": "py_vol_qtree"}))
    check("py_qt" in names_, f"qtrees {names_}")
    qt.delete()


@flow
def cifs_shares_list():
    shares = list(CifsShare.get_collection(fields="name,path,svm", **{"svm.name": "vs0"}))
    check(all(sh.svm.name == "vs0" for sh in shares), "svm.name filter")


@flow
def cifs_share_on_missing_path_refused():
    # ONTAP checks that a share's path exists in the SVM's namespace (and vs0 has no CIFS
    # server either): the share is refused.
    share = CifsShare(name="py_share_nopath", path="/py_no_such_junction", svm={"name": "vs0"})

    def attempt():
        share.post()
        track(share)

    expect_error(attempt, what="POST of a CIFS share on a path that does not exist")


# --------------------------------------------------------------------------------------
# SAN

@flow
def lun_crud():
    new_volume("py_vol_lun", size=1 * GIB)
    lun = Lun(name="/vol/py_vol_lun/lun1", svm={"name": "vs0"}, os_type="linux",
              space={"size": 100 * MIB})
    lun.post(hydrate=True)
    track(lun)
    check(getattr(lun, "uuid", None), "no uuid after post")
    check(lun.space.size >= 100 * MIB, f"space.size {lun.space.size}")
    lun.space = {"size": 200 * MIB}
    lun.patch()
    lun.get(fields="space.size,location")
    check(lun.space.size >= 200 * MIB, f"space.size after patch {lun.space.size}")
    check(lun.location.volume.name == "py_vol_lun", f"location {lun.location}")
    lun.delete()


@flow
def igroup_crud():
    ig = Igroup(name="py_ig", svm={"name": "vs0"}, os_type="linux", protocol="iscsi",
                initiators=[{"name": "iqn.1994-05.com.redhat:py-host-a"}])
    ig.post(hydrate=True)
    track(ig)
    check(getattr(ig, "uuid", None), "no uuid after post")
    init = IgroupInitiator(ig.uuid, name="iqn.1994-05.com.redhat:py-host-b")
    init.post()
    got = sorted(i.name for i in IgroupInitiator.get_collection(ig.uuid))
    check(got == ["iqn.1994-05.com.redhat:py-host-a", "iqn.1994-05.com.redhat:py-host-b"],
          f"initiators {got}")
    ig.comment = "py igroup"
    ig.patch()
    found = Igroup.find(name="py_ig")
    check(found.comment == "py igroup", f"comment {getattr(found, 'comment', None)!r}")


@flow
def lun_map_to_igroup():
    new_volume("py_vol_lunmap", size=1 * GIB)
    lun = Lun(name="/vol/py_vol_lunmap/lun1", svm={"name": "vs0"}, os_type="linux",
              space={"size": 100 * MIB})
    lun.post(hydrate=True)
    track(lun)
    ig = Igroup(name="py_ig_map", svm={"name": "vs0"}, os_type="linux", protocol="iscsi")
    ig.post(hydrate=True)
    track(ig)
    lm = LunMap(svm={"name": "vs0"}, igroup={"name": "py_ig_map"}, lun={"name": "/vol/py_vol_lunmap/lun1"})
    lm.post(hydrate=True)
    track(lm)
    check(lm.lun.uuid == lun.uuid and lm.igroup.uuid == ig.uuid, f"lun map keys {lm.to_dict()}")
    check(LunMap.count_collection(**{"igroup.name": "py_ig_map"}) == 1, "lun map not listed")
    lm.delete()
    lun.delete()


# --------------------------------------------------------------------------------------
# Network

@flow
def ip_interfaces_list():
    lifs = list(IpInterface.get_collection(fields="name,ip,svm,location,state"))
    got = names(lifs)
    check("vs0_data1" in got, f"interfaces {got}")
    svm_lifs = [lif.name for lif in IpInterface.get_collection(**{"svm.name": "vs0"})]
    check(sorted(svm_lifs) == ["vs0_data1", "vs0_data2"], f"vs0 interfaces {svm_lifs}")


@flow
def ip_interface_crud():
    lif = IpInterface(name="py_lif", svm={"name": "vs0"},
                      ip={"address": "192.0.2.50", "netmask": "24"},
                      location={"home_port": {"name": "e0c", "node": {"name": "sim-cluster-01"}}},
                      service_policy={"name": "default-data-files"})
    lif.post(hydrate=True)
    track(lif)
    check(getattr(lif, "uuid", None), "no uuid after post")
    check(lif.ip.address == "192.0.2.50", f"ip {lif.ip}")
    lif.enabled = False
    lif.patch()
    lif.get(fields="enabled")
    check(lif.enabled is False, f"enabled after patch {lif.enabled}")


@flow
def route_crud():
    route = NetworkRoute(svm={"name": "vs0"}, destination={"address": "198.51.100.0", "netmask": "24"},
                         gateway="192.168.0.1")
    route.post(hydrate=True)
    track(route)
    check(getattr(route, "uuid", None), "no uuid after post")
    found = [r.uuid for r in NetworkRoute.get_collection(gateway="192.168.0.1", **{"svm.name": "vs0"})]
    check(route.uuid in found, f"route not listed: {found}")
    route.delete()


# --------------------------------------------------------------------------------------
# Security, accounts, roles

@flow
def accounts_list_has_admin():
    accounts = names(Account.get_collection())
    check("admin" in accounts, f"accounts {accounts}")


@flow
def account_crud():
    acct = Account(name="py_user", role={"name": "readonly"}, password="Py-passw0rd!x",
                   applications=[{"application": "http", "authentication_methods": ["password"]},
                                 {"application": "ssh", "authentication_methods": ["password"]}])
    acct.post(hydrate=True)
    track(acct)
    check(getattr(acct, "owner", None) is not None and getattr(acct.owner, "uuid", None),
          f"no owner.uuid after post: {acct.to_dict()}")
    acct.locked = True
    acct.patch()
    again = Account(name="py_user", **{"owner.uuid": acct.owner.uuid})
    again.get()
    check(again.locked is True, f"locked {getattr(again, 'locked', None)}")


@flow
def role_crud():
    role = Role(name="py_role", privileges=[{"path": "/api/storage/volumes", "access": "readonly"}])
    role.post(hydrate=True)
    track(role)
    check(getattr(role, "owner", None) is not None, f"no owner after post: {role.to_dict()}")
    found = Role.find(name="py_role")
    check(found is not None, "role not found by name")
    paths = [p.path for p in found.privileges]
    check("/api/storage/volumes" in paths, f"privileges {paths}")


@flow
def security_certificates_list():
    certs = list(SecurityCertificate.get_collection(fields="name,type,common_name"))
    check(len(certs) > 0, "no certificates (a cluster has its server certificate)")


@flow
def login_messages_banner():
    msgs = list(LoginMessages.get_collection(fields="banner,message,scope,svm"))
    cluster_msgs = [m for m in msgs if getattr(m, "scope", None) == "cluster"]
    check(cluster_msgs, f"no cluster-scope login message record: {[m.to_dict() for m in msgs]}")
    msg = cluster_msgs[0]
    old = getattr(msg, "banner", "")
    msg.banner = "Authorized use only (py)"
    msg.patch()
    again = LoginMessages(uuid=msg.uuid)
    again.get()
    check(again.banner == "Authorized use only (py)", f"banner {getattr(again, 'banner', None)!r}")
    msg.banner = old
    msg.patch()


# --------------------------------------------------------------------------------------
# Services: DNS, NTP, AutoSupport

@flow
def dns_for_vs0():
    existing = Dns.find(**{"svm.name": "vs0"})
    if existing is None:
        dns = Dns(svm={"name": "vs0"}, domains=["py.example.com"], servers=["192.0.2.53"])
        dns.post(hydrate=True)
    else:
        dns = existing
    dns.domains = ["py2.example.com"]
    dns.servers = ["192.0.2.54"]
    dns.patch()
    again = Dns(svm={"uuid": vs0()})
    again.get()
    check(again.domains == ["py2.example.com"], f"domains {getattr(again, 'domains', None)}")


@flow
def cluster_dns_via_cluster_patch():
    cluster = Cluster()
    cluster.get(fields="dns_domains,name_servers")
    cluster.dns_domains = ["pylab.example.com"]
    cluster.name_servers = ["192.0.2.53"]
    cluster.patch()
    again = Cluster()
    again.get(fields="dns_domains,name_servers")
    check(again.dns_domains == ["pylab.example.com"], f"dns_domains {getattr(again, 'dns_domains', None)}")


@flow
def ntp_server_crud():
    ntp = NtpServer(server="192.0.2.123", version="auto")
    ntp.post(hydrate=True)
    track(ntp)
    check(ntp.server == "192.0.2.123", f"server {ntp.server}")
    servers = [s.server for s in NtpServer.get_collection()]
    check("192.0.2.123" in servers, f"ntp servers {servers}")
    ntp.version = "4"
    ntp.patch()
    ntp.get()
    check(ntp.version == "4", f"version after patch {ntp.version}")


@flow
def autosupport_get():
    asup = Autosupport()
    asup.get()
    d = asup.to_dict()
    check({"enabled", "transport", "contact_support"} <= set(d),
          f"GET /api/support/autosupport lacks the configuration: {d}")


@flow
def autosupport_patch():
    asup = Autosupport()
    asup.transport = "smtp"
    asup.to = ["py-storage@example.com"]
    asup.patch()
    again = Autosupport()
    again.get(fields="transport,to")
    check(getattr(again, "transport", None) == "smtp", f"transport {getattr(again, 'transport', None)}")
    check(getattr(again, "to", None) == ["py-storage@example.com"], f"to {getattr(again, 'to', None)}")
    asup = Autosupport()
    asup.transport = "https"
    asup.patch()


# --------------------------------------------------------------------------------------
# CLI passthrough

@flow
def cli_passthrough_show():
    new_volume("py_vol_cli")
    response = CLI().execute("volume show", vserver="vs0", fields="volume,size")
    body = response.http_response.json()
    vols = [r.get("volume") for r in body.get("records", [])]
    check("py_vol_cli" in vols, f"'volume show -vserver vs0' records: {body.get('records')}")


@flow
def cli_passthrough_cluster_show():
    response = CLI().execute("cluster show")
    body = response.http_response.json()
    nodes = [r.get("node") for r in body.get("records", [])]
    check(sorted(nodes) == ["sim-cluster-01", "sim-cluster-02"], f"'cluster show' records: {body}")


# --------------------------------------------------------------------------------------
# Authentication

@flow
def wrong_password_401():
    bad = HostConnection(CTX.host, port=CTX.port, username=USERNAME, password="wrong", verify=False)
    expect_error(lambda: _get_with(bad), status=401, what="GET with a wrong password")


def _get_with(connection):
    cluster = Cluster()
    cluster.set_connection(connection)
    cluster.get()


# --------------------------------------------------------------------------------------
# Software: package download, packages, validation, upgrade (last: it changes the version)

def ensure_package():
    """Downloads the 9.16.1 package unless the repository has it; returns the download's job."""
    if SoftwarePackage.find(version="9.16.1") is not None:
        return None
    dl = SoftwarePackageDownload(url=CTX.package_url)
    return dl.post(hydrate=True, return_timeout=0)


@flow
def software_get():
    sw = Software()
    sw.get()
    check(sw.version.startswith("9."), f"software version {getattr(sw, 'version', None)}")
    check(sorted(n.name for n in sw.nodes) == ["sim-cluster-01", "sim-cluster-02"], "software nodes")


@flow
def software_package_download():
    existing = SoftwarePackage.find(version="9.16.1")
    if existing is not None:
        existing.delete()
    dl = SoftwarePackageDownload(url=CTX.package_url)
    dl.post(hydrate=True, return_timeout=0)
    status = SoftwarePackageDownload()
    status.get()
    check(status.state == "success", f"download state {getattr(status, 'state', None)}: "
          f"{getattr(status, 'message', None)}")
    versions = [p.version for p in SoftwarePackage.get_collection()]
    check("9.16.1" in versions, f"packages {versions}")


@flow
def software_download_job_watch():
    existing = SoftwarePackage.find(version="9.16.1")
    if existing is not None:
        existing.delete()
    dl = SoftwarePackageDownload(url=CTX.package_url)
    response = dl.post(poll=False, return_timeout=0)
    check(response.is_job, f"download POST answered no job: {response.http_response.status_code}")
    job = Job(uuid=response.http_response.json()["job"]["uuid"])
    deadline = time.time() + 30
    while time.time() < deadline:
        job.get(fields="state,message,code")
        if job.state in ("success", "failure"):
            break
        time.sleep(0.5)
    check(job.state == "success", f"download job ended {job.state}: {getattr(job, 'message', None)}")


@flow
def software_upload():
    """Software.upload: the package in the multipart form's `file` field, as the client sends it."""
    work = tempfile.mkdtemp()
    path = os.path.join(work, "ontap-9.18.1-image.tgz")
    with open(path, "wb") as f:
        f.write(os.urandom(3 * MIB))
    try:
        Software().upload(file="@" + path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    versions = [p.version for p in SoftwarePackage.get_collection()]
    check("9.18.1" in versions, f"packages after the upload: {versions}")


@flow
def software_download_bad_url():
    dl = SoftwarePackageDownload(url="http://127.0.0.1:1/ontap-9.99.1-image.tgz")
    expect_error(lambda: dl.post(hydrate=True, return_timeout=0),
                 what="download from a URL nothing serves")


@flow
def software_validate_only():
    ensure_package()
    sw = Software()
    sw.version = "9.16.1"
    sw.patch(validate_only=True)
    again = Software()
    again.get(fields="version,validation_results,status_details,state")
    check(again.version != "9.16.1", "validate_only changed the running version")


@flow
def software_package_delete():
    ensure_package()
    pkg = SoftwarePackage(version="9.16.1")
    pkg.get()
    pkg.delete()
    check(SoftwarePackage.find(version="9.16.1") is None, "package still listed after delete")


@flow
def software_upgrade():
    ensure_package()
    sw = Software()
    sw.version = "9.16.1"
    sw.patch(skip_warnings=True)
    deadline = time.time() + 90
    state = None
    while time.time() < deadline:
        now = Software()
        now.get(fields="state,version")
        state = now.state
        if state in ("completed", "failed", "paused_on_error", "canceled"):
            break
        time.sleep(1)
    check(state == "completed", f"upgrade state {state}")
    cluster = Cluster()
    cluster.get(fields="version")
    check((cluster.version.generation, cluster.version.major, cluster.version.minor) == (9, 16, 1),
          f"cluster version after upgrade {cluster.version.full}")


# --------------------------------------------------------------------------------------

def cleanup():
    """Deletes what the flow tracked, newest first; returns the first error, if any."""
    first = None
    for resource in reversed(CLEANUPS):
        try:
            drop(resource)
        except Exception as exc:  # noqa: BLE001
            if first is None:
                first = f"{type(resource).__name__}: {exc}"
    del CLEANUPS[:]
    return first


def run(only):
    passed = 0
    selected = [f for f in FLOWS if not only or f.__name__ in only]
    for fn in selected:
        start = len(EXCHANGES)
        del CLEANUPS[:]
        del NOTES[:]
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the run
            mine = EXCHANGES[start:]
            failing = [e for e in mine if e.status >= 400]
            if isinstance(exc, FlowFailure):
                reason = str(exc)
                exchange = (mine[-1] if mine else None) if not failing else None
            else:
                exchange = failing[-1] if failing else (mine[-1] if mine else None)
                if isinstance(exc, NetAppRestError) and exc.status_code is not None and failing:
                    reason = f"NetAppRestError (HTTP {exc.status_code})"
                else:
                    reason = f"{type(exc).__name__}: {exc}"
                if not isinstance(exc, NetAppRestError):
                    tb = traceback.extract_tb(exc.__traceback__)
                    here = [f for f in tb if f.filename == __file__]
                    if here:
                        reason += f" (at line {here[-1].lineno})"
            line = f"FAIL {fn.__name__}: {reason}"
            if exchange is not None:
                line += f" | {exchange.describe()}"
            elif failing:
                line += f" | {failing[-1].describe()}"
            print(" ".join(line.split("\n")), flush=True)
            cleanup()
        else:
            err = cleanup()
            if err is None:
                passed += 1
                note = f" (got {'; '.join(NOTES)})" if NOTES else ""
                print(" ".join(f"PASS {fn.__name__}{note}".split("\n")), flush=True)
            else:
                print(f"FAIL {fn.__name__}: cleanup: {err}", flush=True)
    print(f"{passed} of {len(selected)} flows pass", flush=True)
    return passed == len(selected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scheme", default="https")
    parser.add_argument("--package-url", required=True)
    parser.add_argument("--only", default="", help="comma-separated flow names")
    parser.add_argument("--poll-interval", type=float, default=0.5)
    args = parser.parse_args()
    CTX.package_url = args.package_url
    CTX.host = args.host
    CTX.port = args.port
    print(f"netapp_ontap {netapp_ontap.__version__}, requests {requests.__version__}", flush=True)
    config.CONNECTION = HostConnection(args.host, port=args.port, scheme=args.scheme, username=USERNAME,
                                       password=PASSWORD, verify=False, poll_interval=args.poll_interval,
                                       poll_timeout=60)
    only = {n for n in args.only.split(",") if n}
    unknown = only - {f.__name__ for f in FLOWS}
    if unknown:
        print(f"unknown flows: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    return 0 if run(only) else 1


if __name__ == "__main__":
    sys.exit(main())
