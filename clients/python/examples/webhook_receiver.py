"""A webhook receiver that checks Standard Webhooks signatures: python3 examples/webhook_receiver.py

Needs MOORING_WEBHOOK_SECRET (the endpoint's whsec_… secret). Listens on 127.0.0.1:8000.
"""

import http.server
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mooring  # noqa: E402

SECRET = os.environ["MOORING_WEBHOOK_SECRET"]
seen = set()  # webhook-id is stable across retries: handle each message once


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))  # raw bytes, before json
        try:
            event = mooring.verify_webhook(SECRET, dict(self.headers.items()), body)
        except mooring.WebhookVerificationError:
            self.send_response(400)
            self.end_headers()
            return
        if self.headers["webhook-id"] not in seen:
            seen.add(self.headers["webhook-id"])
            print(event, flush=True)
        self.send_response(204)
        self.end_headers()


http.server.HTTPServer(("127.0.0.1", 8000), Receiver).serve_forever()
