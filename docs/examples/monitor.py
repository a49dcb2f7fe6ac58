import os
import mooring  # clients/python/mooring.py: one file, standard library only

client = mooring.Client(os.environ["MOORING_URL"], api_key=os.environ["MOORING_API_KEY"])
for device in client.fleet_status("admin/thermostats"):
    print(device["uuid"], device["api_heartbeat_state"], device["last_heartbeat"], flush=True)
for event in client.stream_events(types=["device.online", "device.offline"]):  # reconnects by itself
    print(event["at"], event["deviceUuid"], event["status"], flush=True)
