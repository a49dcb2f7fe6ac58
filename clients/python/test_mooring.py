"""Tests of mooring.py (standard library unittest).

    python3 -m unittest -v test_mooring

The offline tests always run. The ones against a server need MOORING_URL and the settings that
packages/server/test/clients/python.test.ts provides (it starts a real server and runs this file):
MOORING_API_KEY, MOORING_SIGNING_KEY_ID, MOORING_SIGNING_SECRET (a key that requires signatures),
MOORING_FLEET (slug), MOORING_DEVICE_UUID (a device that has polled), MOORING_PROVISIONING_KEY, and
MOORING_WEBHOOK_VECTORS (Standard Webhooks vectors from the reference implementation). Without
them those tests are reported as skipped, never passed.
"""

import base64
import binascii
import json
import os
import unittest
import urllib.parse
import uuid

import mooring

HERE = os.path.dirname(os.path.abspath(__file__))
SIGNATURE_VECTORS = os.environ.get(
    "MOORING_SIGNATURE_VECTORS",
    os.path.join(HERE, "..", "..", "packages", "protocol", "test", "vectors", "mooring-signatures.json"),
)
URL = os.environ.get("MOORING_URL")
needs_server = unittest.skipUnless(URL, "MOORING_URL is not set: no server to talk to")


def env(name):
    value = os.environ.get(name)
    if not value:
        raise AssertionError(name + " is not set")
    return value


class ODataTest(unittest.TestCase):
    def test_string_literals_double_single_quotes(self):
        self.assertEqual(mooring.odata_string("O'Brien"), "'O''Brien'")
        self.assertEqual(mooring.odata_string("''"), "''''''")
        self.assertEqual(mooring.odata_string(""), "''")
        with self.assertRaises(TypeError):
            mooring.odata_string(5)

    def test_query_encoding_survives_the_round_trip(self):
        value = "device_name eq 'a&b+c #1 100%' and is_online eq true"
        query = mooring.odata_query({"$filter": value, "$select": ["uuid", "is_online"], "$top": 5, "$skip": None})
        self.assertNotIn(" ", query)
        self.assertNotIn("+", query)  # a literal + would read as a space
        self.assertTrue(query.startswith("$filter="))
        self.assertEqual(
            urllib.parse.parse_qs(query),
            {"$filter": [value], "$select": ["uuid,is_online"], "$top": ["5"]},
        )

    def test_doctests(self):
        import doctest

        self.assertEqual(doctest.testmod(mooring).failed, 0)


class SigningTest(unittest.TestCase):
    def test_secrets_are_unpadded_base64url(self):
        raw = bytes(range(250, 256)) + bytes(26)  # 32 bytes, with '-' and '_' in base64url
        secret = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        self.assertEqual(len(secret), 43)
        with self.assertRaises(binascii.Error):  # the pitfall decode_secret exists for
            base64.urlsafe_b64decode(secret)
        self.assertEqual(mooring.decode_secret(secret), raw)
        self.assertEqual(mooring.decode_secret(base64.b64encode(raw).decode()), raw)
        with self.assertRaises(ValueError):
            mooring.decode_secret("not base64 at all!")
        with self.assertRaises(ValueError):
            mooring.SigningKey("id", base64.urlsafe_b64encode(bytes(16)).decode())  # too short

    def test_content_digest(self):
        self.assertEqual(
            mooring.content_digest(b'{"hello": "world"}'),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        )

    def test_reproduces_the_hmac_vectors_of_docs_signatures_md(self):
        with open(SIGNATURE_VECTORS, encoding="utf-8") as f:
            vectors = json.load(f)
        secret = bytes.fromhex(vectors["keys"]["hmac-sha256"]["secretHex"])
        cases = [c for c in vectors["cases"] if c["alg"] == "hmac-sha256"]
        self.assertGreaterEqual(len(cases), 2)
        for case in cases:
            with self.subTest(case["name"]):
                r = case["request"]
                body = r.get("body")
                headers = mooring.sign_request(
                    r["method"],
                    "%s://%s%s%s" % (r["scheme"], r["authority"], r["path"], r.get("query", "")),
                    mooring.SigningKey(case["keyId"], secret),
                    body=None if body is None else body.encode("utf-8"),
                    created=case["created"],
                    nonce=case["nonce"],
                )
                for name, value in case["expected"]["headers"].items():
                    self.assertEqual(headers[name], value, name)

    def test_authority_drops_default_ports_only(self):
        key = mooring.SigningKey("k", bytes(32))
        for url, authority in [
            ("https://API.example.com:443/x", "api.example.com"),
            ("http://example.com:80/x", "example.com"),
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
        ]:
            signed = mooring.sign_request("get", url, key, created=1, nonce="abcdefgh")
            self.assertIn("created=1;", signed["signature-input"])
            base = '"@method": GET\n"@authority": %s\n"@path": /x\n"@signature-params": %s' % (
                authority,
                signed["signature-input"][len("sig1="):],
            )
            self.assertEqual(signed["signature"], "sig1=:%s:" % base64.b64encode(key.sign(base.encode())).decode())

    def test_repr_never_shows_the_secret(self):
        secret = base64.urlsafe_b64encode(b"s" * 32).decode().rstrip("=")
        self.assertNotIn(secret, repr(mooring.SigningKey("k", secret)))
        self.assertNotIn("mk_u_secret", repr(mooring.Client("http://127.0.0.1:1", api_key="mk_u_secret")))


class WebhookTest(unittest.TestCase):
    SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()

    def delivery(self, body=b'{"type":"device.offline"}', at=1_767_225_600, secret=None):
        return {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(at),
            "webhook-signature": mooring.sign_webhook(secret or self.SECRET, "msg_1", at, body),
        }

    def test_accepts_its_own_signature_and_returns_the_payload(self):
        headers = self.delivery()
        self.assertEqual(mooring.verify_webhook(self.SECRET, headers, b'{"type":"device.offline"}', now=1_767_225_600), {"type": "device.offline"})
        upper = {k.title(): v for k, v in headers.items()}
        self.assertTrue(mooring.verify_webhook(self.SECRET, upper, '{"type":"device.offline"}', now=1_767_225_600))

    def test_refuses_tampering_a_wrong_secret_and_missing_headers(self):
        headers = self.delivery()
        with self.assertRaises(mooring.WebhookVerificationError):
            mooring.verify_webhook(self.SECRET, headers, b'{"type":"device.online"}', now=1_767_225_600)
        other = "whsec_" + base64.b64encode(b"x" * 32).decode()
        with self.assertRaises(mooring.WebhookVerificationError):
            mooring.verify_webhook(other, headers, b'{"type":"device.offline"}', now=1_767_225_600)
        for name in headers:
            partial = {k: v for k, v in headers.items() if k != name}
            with self.assertRaises(mooring.WebhookVerificationError):
                mooring.verify_webhook(self.SECRET, partial, b'{"type":"device.offline"}', now=1_767_225_600)
        forged_id = dict(headers, **{"webhook-id": "msg_2"})
        with self.assertRaises(mooring.WebhookVerificationError):
            mooring.verify_webhook(self.SECRET, forged_id, b'{"type":"device.offline"}', now=1_767_225_600)

    def test_tolerates_five_minutes_either_way(self):
        body = b'{"type":"device.offline"}'
        headers = self.delivery(body)
        for now in (1_767_225_600 - 300, 1_767_225_600 + 300):
            mooring.verify_webhook(self.SECRET, headers, body, now=now)
        for now in (1_767_225_600 - 301, 1_767_225_600 + 301):
            with self.assertRaises(mooring.WebhookVerificationError):
                mooring.verify_webhook(self.SECRET, headers, body, now=now)
        with self.assertRaises(mooring.WebhookVerificationError):
            mooring.verify_webhook(self.SECRET, dict(headers, **{"webhook-timestamp": "soon"}), body, now=1_767_225_600)

    def test_any_v1_signature_matches_during_rotation_and_v1a_is_ignored(self):
        body = b'{"type":"device.offline"}'
        old = "whsec_" + base64.b64encode(b"o" * 32).decode()
        headers = self.delivery(body)
        headers["webhook-signature"] = " ".join(
            ["v1a,AAAA", mooring.sign_webhook(old, "msg_1", 1_767_225_600, body), headers["webhook-signature"]]
        )
        mooring.verify_webhook(self.SECRET, headers, body, now=1_767_225_600)
        mooring.verify_webhook(old, headers, body, now=1_767_225_600)

    @unittest.skipUnless(os.environ.get("MOORING_WEBHOOK_VECTORS"), "MOORING_WEBHOOK_VECTORS is not set")
    def test_agrees_with_the_reference_implementation(self):
        with open(os.environ["MOORING_WEBHOOK_VECTORS"], encoding="utf-8") as f:
            vectors = json.load(f)
        self.assertGreaterEqual(len(vectors), 4)
        for v in vectors:
            with self.subTest(v["id"]):
                body = v["body"].encode("utf-8")
                self.assertEqual(mooring.sign_webhook(v["secret"], v["id"], v["timestamp"], body), v["signature"])
                headers = {"webhook-id": v["id"], "webhook-timestamp": str(v["timestamp"]), "webhook-signature": v["signature"]}
                self.assertEqual(mooring.verify_webhook(v["secret"], headers, body, now=v["timestamp"]), json.loads(v["body"]))


def events_of(chunks):
    return [(e.event, e.data, e.id, e.retry) for e in mooring.parse_sse(chunks)]


class SseTest(unittest.TestCase):
    def test_the_server_framing(self):
        stream = [b"retry: 2000\n: cursor 7\n\n", b'id: 8\nevent: device.offline\ndata: {"id":8}\n\n', b": keep-alive\n\n"]
        self.assertEqual(
            events_of(stream),
            [("", "", None, 2000), ("device.offline", '{"id":8}', "8", None)],
        )

    def test_multi_line_data_default_type_and_sticky_id(self):
        stream = [b"id: 1\ndata: a\ndata:b\ndata\n\n", b"data: second\n\n"]
        self.assertEqual(events_of(stream), [("message", "a\nb\n", "1", None), ("message", "second", "1", None)])

    def test_line_endings_split_across_chunks_and_a_bom(self):
        stream = [b"\xef\xbb\xbfdata: one\r", b"\n\r", b"\ndata: two\rdata: 2\r\rdata: Gr\xc3\xbc", b"\xc3\x9fe\n\n"]
        self.assertEqual(
            events_of(stream),
            [("message", "one", None, None), ("message", "two\n2", None, None), ("message", "Grüße", None, None)],
        )

    def test_events_without_data_and_unterminated_events_are_not_dispatched(self):
        self.assertEqual(events_of([b"event: ping\n\n", b"data: cut off"]), [])
        self.assertEqual(events_of([b"data: x\n\n", b"data: y\n"]), [("message", "x", None, None)])

    def test_ignores_unknown_fields_bad_retry_and_ids_with_nul(self):
        stream = [b"foo: bar\nretry: soon\nid: a\x00b\ndata: z\n\n"]
        self.assertEqual(events_of(stream), [("message", "z", None, None)])

    def test_json(self):
        event = next(mooring.parse_sse([b'data: {"a": [1]}\n\n']))
        self.assertEqual(event.json(), {"a": [1]})


@needs_server
class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = mooring.Client(URL, api_key=env("MOORING_API_KEY"))
        cls.fleet = env("MOORING_FLEET")
        cls.device = env("MOORING_DEVICE_UUID")

    def test_whoami(self):
        self.assertEqual(self.client.whoami()["username"], "admin")

    def test_device_status(self):
        status = self.client.device_status(self.device)
        self.assertEqual(status["uuid"], self.device)
        self.assertIs(status["is_online"], True)
        self.assertEqual(status["api_heartbeat_state"], "online")
        self.assertRegex(status["last_heartbeat"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertTrue(self.client.is_online(self.device))

    def test_fleet_status(self):
        statuses = self.client.fleet_status(self.fleet)
        self.assertIn(self.device, [s["uuid"] for s in statuses])
        self.assertEqual(self.client.fleet_status(self.fleet, offline_only=True), [])
        self.assertEqual(self.client.fleet_status(self.client.fleet_id(self.fleet)), statuses)

    def test_unknown_device_and_fleet_are_404(self):
        for call in (lambda: self.client.device_status("nope'); --"), lambda: self.client.fleet_status("admin/nope")):
            with self.assertRaises(mooring.MooringError) as caught:
                call()
            self.assertEqual(caught.exception.status, 404)

    def test_a_refused_key_is_401(self):
        with self.assertRaises(mooring.MooringError) as caught:
            mooring.Client(URL, api_key="mk_u_0000000000000_" + "0" * 39).whoami()
        self.assertEqual(caught.exception.status, 401)

    def test_unreachable_server_is_status_0(self):
        with self.assertRaises(mooring.MooringError) as caught:
            mooring.Client("http://127.0.0.1:9", api_key="k", timeout=2).whoami()
        self.assertEqual(caught.exception.status, 0)

    def test_odata_filters_with_awkward_strings(self):
        value = "it's 100% + & # ?x=1 Grüße"
        name = "PY_" + uuid.uuid4().hex[:8].upper()
        self.client.set_env_var(name, value, fleet=self.fleet)
        try:
            self.assertEqual(self.client.env_vars(fleet=self.fleet)[name], value)
            rows = self.client.odata(
                "application_environment_variable",
                filter="value eq " + mooring.odata_string(value),
                select=["name", "value"],
            )
            self.assertEqual(rows, [{"name": name, "value": value}])
            self.client.set_env_var(name, "changed", fleet=self.fleet)
            self.assertEqual(self.client.env_vars(fleet=self.fleet)[name], "changed")
        finally:
            self.assertTrue(self.client.delete_env_var(name, fleet=self.fleet))
        self.assertNotIn(name, self.client.env_vars(fleet=self.fleet))
        self.assertFalse(self.client.delete_env_var(name, fleet=self.fleet))

    def test_device_environment_variables(self):
        self.client.set_env_var("PY_DEVICE", "on", device=self.device)
        self.assertEqual(self.client.env_vars(device=self.device), {"PY_DEVICE": "on"})
        self.assertTrue(self.client.delete_env_var("PY_DEVICE", device=self.device))
        with self.assertRaises(ValueError):
            self.client.env_vars()


@needs_server
class SignedRequestTest(unittest.TestCase):
    """The key requires signatures: only a correct RFC 9421 signature gets through."""

    @classmethod
    def setUpClass(cls):
        cls.key = mooring.SigningKey(env("MOORING_SIGNING_KEY_ID"), env("MOORING_SIGNING_SECRET"))
        cls.client = mooring.Client(URL, signing_key=cls.key)

    def test_signed_get_with_and_without_query(self):
        self.assertIn("id", self.client.whoami())
        self.assertIn(env("MOORING_DEVICE_UUID"), [d["uuid"] for d in self.client.fleet_status(env("MOORING_FLEET"))])

    def test_signed_writes_carry_a_content_digest(self):
        fleet = env("MOORING_FLEET")
        self.client.set_env_var("PY_SIGNED", "yes 'quoted'", fleet=fleet)
        self.assertEqual(self.client.env_vars(fleet=fleet)["PY_SIGNED"], "yes 'quoted'")
        self.assertTrue(self.client.delete_env_var("PY_SIGNED", fleet=fleet))

    def test_a_wrong_secret_is_refused(self):
        wrong = mooring.Client(URL, signing_key=mooring.SigningKey(self.key.key_id, bytes(32)))
        with self.assertRaises(mooring.MooringError) as caught:
            wrong.whoami()
        self.assertEqual(caught.exception.status, 401)
        self.assertIn("invalid_signature", str(caught.exception))


@needs_server
class EventTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = mooring.Client(URL, api_key=env("MOORING_API_KEY"))
        cls.device = env("MOORING_DEVICE_UUID")

    def register_device(self):
        new_uuid = uuid.uuid4().hex
        provisioning = mooring.Client(URL, api_key=env("MOORING_PROVISIONING_KEY"))
        fleet_id = self.client.fleet_id(env("MOORING_FLEET"))
        provisioning.request(
            "POST", "/device/register", body={"application": fleet_id, "device_type": "raspberrypi3", "uuid": new_uuid}
        )
        return new_uuid

    def test_feed_pages_and_filters(self):
        page = self.client.events(after=0, limit=1)
        self.assertEqual(len(page["events"]), 1)
        self.assertEqual(page["next"], page["events"][0]["id"])
        everything = list(self.client.iter_events(after=0, limit=2, follow=False))
        ids = [e["id"] for e in everything]
        self.assertEqual(ids, sorted(set(ids)))
        mine = [(e["type"], e["status"]) for e in everything if e["deviceUuid"] == self.device]
        self.assertEqual(mine[:2], [("device.registered", "unknown"), ("device.online", "online")])
        online = self.client.events(after=0, types=["device.online"], fleet=env("MOORING_FLEET"))
        self.assertTrue(online["events"])
        self.assertEqual({e["type"] for e in online["events"]}, {"device.online"})

    def test_feed_long_poll_returns_a_new_event(self):
        head = self.client.events(after=0, limit=500)["next"]
        self.assertEqual(self.client.events(after=head, wait=0)["events"], [])
        new_uuid = self.register_device()
        page = self.client.events(after=head, wait=5, types=["device.registered"])
        self.assertEqual([e["deviceUuid"] for e in page["events"]], [new_uuid])

    def test_stream_replays_resumes_and_follows(self):
        first_two = []
        for event in self.client.stream_events(last_event_id=0, reconnect=False, read_timeout=20):
            first_two.append(event)
            if len(first_two) == 2:
                break
        self.assertEqual([e["id"] for e in first_two], sorted(e["id"] for e in first_two))
        resumed = next(iter(self.client.stream_events(last_event_id=first_two[0]["id"], reconnect=False, read_timeout=20)))
        self.assertEqual(resumed["id"], first_two[1]["id"])

        head = 0
        while True:  # the newest cursor: page to the end of the feed
            page = self.client.events(after=head, limit=500)
            if not page["events"]:
                break
            head = page["next"]
        # A bounded read: a stream that stalls fails here instead of reconnecting forever.
        stream = self.client.stream_events(last_event_id=head, types=["device.registered"], reconnect=False, read_timeout=20)
        new_uuid = self.register_device()
        event = next(iter(stream))
        self.assertEqual((event["type"], event["deviceUuid"]), ("device.registered", new_uuid))
        stream.close()


if __name__ == "__main__":
    unittest.main()
