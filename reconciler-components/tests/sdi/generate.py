"""Writes the databags the Python serialized-data-interface library produces, as fixtures
for tests/sdi.rs.

Run once with the library installed (the fixtures are committed; the tests do not run
Python):

    python3 -m venv /tmp/sdi && /tmp/sdi/bin/pip install serialized-data-interface ops
    /tmp/sdi/bin/python generate.py

Each fixture is a YAML mapping of databag keys to the exact string values the library
wrote.
"""

from pathlib import Path

import yaml
from ops.charm import CharmBase
from ops.testing import Harness
from serialized_data_interface import SerializedDataInterface

HERE = Path(__file__).parent
SCHEMA = yaml.safe_load((HERE / "ingress.yaml").read_text())

METADATA = """
name: {name}
{role}:
  ingress:
    interface: ingress
"""

ROUTE = {"service": "kfp-ui", "port": 3000, "prefix": "/pipeline", "namespace": "kubeflow"}
URL = {"url": "http://10.0.0.1/pipeline"}


def side(role, name, versions, remote_versions, data=None):
    """The app databag of a leader `name` on `role` after sending `data` (if any) to a
    remote side supporting `remote_versions`."""
    harness = Harness(CharmBase, meta=METADATA.format(name=name, role=role))
    harness.set_leader(True)
    harness.begin()
    relation_id = harness.add_relation("ingress", "remote")
    harness.add_relation_unit(relation_id, "remote/0")
    harness.update_relation_data(
        relation_id, "remote", {"_supported_versions": yaml.safe_dump(remote_versions)}
    )
    sdi = SerializedDataInterface(
        harness.charm, "ingress", SCHEMA, set(versions), role
    )
    relation = harness.model.get_relation("ingress", relation_id)
    sdi.send_versions(relation)
    if data is not None:
        sdi.send_data(data)
    return dict(relation.data[harness.charm.app])


def write(name, bag):
    (HERE / name).write_text(yaml.safe_dump(bag, default_flow_style=False))


# A Python requirer (the side that sends the route) on v1 only, and one on v1 + v2 talking
# to a v2 provider. `versions` is a set in the library, so list a single version where the
# written order matters.
write("python-requirer-v1.yaml", side("requires", "kfp-ui", ["v1"], ["v1"], ROUTE))
write("python-requirer-v2.yaml", side("requires", "kfp-ui", ["v2"], ["v1", "v2"], ROUTE))
# A Python provider on v2 that answered with the URL.
write("python-provider-v2.yaml", side("provides", "istio-pilot", ["v2"], ["v2"], URL))
