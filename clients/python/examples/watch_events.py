"""Follow device status changes, resuming where it stopped: python3 examples/watch_events.py

Needs MOORING_URL and MOORING_API_KEY. The last event id is kept in ./mooring-cursor, so a restart
(or a lost connection) misses nothing.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mooring  # noqa: E402

CURSOR = "mooring-cursor"
client = mooring.Client(os.environ["MOORING_URL"], api_key=os.environ["MOORING_API_KEY"])
last = int(open(CURSOR).read()) if os.path.exists(CURSOR) else None
for event in client.stream_events(last_event_id=last, types=["device.online", "device.timeout", "device.offline"]):
    print(event["at"], event["deviceUuid"], event["previousStatus"], "->", event["status"], flush=True)
    with open(CURSOR, "w") as f:
        f.write(str(event["id"]))
