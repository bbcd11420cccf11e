"""A real local Ray cluster for the executor tests: a head without resources and simulated worker nodes
(one CPU node, one node advertising a fake GPU; a killed node is replaced by a fresh one), all on loopback, shared by the tests of one process."""
from __future__ import annotations

import os

import pytest

collect_ignore = ["cases"]  # case folders used as fixtures, not tests

GIB = 2 ** 30
LOOPBACK = "127.0.0.1"
# Fast detection of a killed node (the defaults take ~30 s).
SYSTEM_CONFIG = {"health_check_period_ms": 500, "health_check_failure_threshold": 3,
                 "health_check_initial_delay_ms": 0}


class LocalCluster:
    def __init__(self):
        from ray.cluster_utils import Cluster
        self.cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 0, "node_ip_address": LOOPBACK, "include_dashboard": False,
            "_system_config": SYSTEM_CONFIG})
        try:
            self.cpu_nodes = [self.add(num_cpus=2)]
            self.gpu_nodes = [self.add(num_cpus=2, num_gpus=1)]
            self.cluster.wait_for_nodes()
        except BaseException:
            self.cluster.shutdown()
            raise

    @property
    def address(self) -> str:
        return self.cluster.address

    def add(self, **resources):
        return self.cluster.add_node(node_ip_address=LOOPBACK, memory=8 * GIB, **resources)

    def kill(self, node_id: str) -> bool:
        """Remove the node with this id at once (no graceful drain), as a machine that died; replace it by a
        fresh node of the same kind so the cluster keeps its shape. False if no such node is alive."""
        for group in (self.cpu_nodes, self.gpu_nodes):
            for node in list(group):
                if node.node_id == node_id:
                    self.cluster.remove_node(node, allow_graceful=False)
                    group.remove(node)
                    group.append(self.add(num_cpus=2, num_gpus=1) if group is self.gpu_nodes else self.add(num_cpus=2))
                    return True
        return False

    def shutdown(self):
        self.cluster.shutdown()


# Ray replaces a loopback address by the machine's outward IP (and the GCS then is not found there) unless
# it runs in its single-machine mode; the controllers started by the tests inherit this.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled", "RAY_DEDUP_LOGS": "0"}


@pytest.fixture(scope="package")  # shut down once the Ray tests are done, not at the end of the whole run
def ray_cluster():
    saved = {k: os.environ.get(k) for k in LOOPBACK_ENV}
    os.environ.update(LOOPBACK_ENV)
    try:
        cluster = LocalCluster()
    except Exception:  # noqa: BLE001 - Ray gives a raylet 30 s to register: on an overloaded machine, try once more
        cluster = LocalCluster()
    try:
        yield cluster
    finally:
        cluster.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
