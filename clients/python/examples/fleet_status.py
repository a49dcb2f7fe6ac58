"""Status of every device of a fleet: python3 examples/fleet_status.py admin/thermostats

Needs MOORING_URL and MOORING_API_KEY (a read-only key is enough). Exits 1 when a device has
timed out or is offline (a device never seen yet does not count).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mooring  # noqa: E402  (clients/python/mooring.py; or copy it next to this script)

client = mooring.Client(os.environ["MOORING_URL"], api_key=os.environ["MOORING_API_KEY"])
devices = client.fleet_status(sys.argv[1] if len(sys.argv) > 1 else os.environ["MOORING_FLEET"])
for device in devices:
    print("%-32s %-8s last heartbeat %s" % (device["uuid"], device["api_heartbeat_state"], device["last_heartbeat"] or "-"))
sys.exit(1 if any(d["api_heartbeat_state"] in ("timeout", "offline") for d in devices) else 0)
