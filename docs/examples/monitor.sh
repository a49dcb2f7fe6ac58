# Every device of the fleet with its status, then a cron-style check (exit 1: offline)
mooring device list --fleet admin/thermostats
mooring device online "$DEVICE_UUID" --quiet || echo "device $DEVICE_UUID is offline"
