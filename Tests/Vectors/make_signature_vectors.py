#!/usr/bin/env python3
"""Writes signature-vectors.json: hookd's three signature schemes computed straight from SPEC.md §5.1 and §11.

Only the standard library is used, and nothing here shares code with the Swift implementation, so the
vectors pin HookdVerify from the outside (WebhookSigner must reproduce them, WebhookVerifier must accept
them and refuse them after a one-byte change).

    python3 make_signature_vectors.py            # rewrite signature-vectors.json next to this script
    python3 make_signature_vectors.py --check    # exit 1 if the file is not what this script produces
    python3 make_signature_vectors.py --new-secret  # print a fresh secret (to add a case)

The formulas (SPEC.md §5.1), with `secret` = "whsec_" + 32 characters of [a-z0-9] in `cases`:
  v3 sign            = hex(HMAC-SHA256(key=secret as ASCII, "whsec_" included, msg=raw bytes of the data value))
  X-Fyatu-Signature  = "t=<ts>,v1=" + hex(HMAC-SHA256(key=hex(SHA-256(secret)) as ASCII, msg="<ts>." + body))
  webhook-signature  = "v1," + base64(HMAC-SHA256(key=base64decode(secret without "whsec_"), msg="<id>.<ts>." + body))

`deliveries` adds SPEC.md §11: the v3.20 body (no sign, no version), secrets of any shape (the first two
formulas take the secret string as it is, UTF-8; only webhook-signature needs "whsec_" + base64, and a delivery
signed by no such secret has no webhook-signature), and rotation overlap: with several secrets in force,
X-Fyatu-Signature is "t=<ts>" + one ",v1=<hex>" per secret and webhook-signature one "v1,<base64>" per secret
that can make one, space-separated, both in the order of `secrets`. The v3 sign is never doubled.

The secrets below were drawn once with `secrets` (see new_secret) and are fixed so the output is stable.
They are test values, never used anywhere else.
"""

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import string
import sys
from pathlib import Path

PREFIX = "whsec_"
OUTPUT = Path(__file__).with_name("signature-vectors.json")


def new_secret() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return PREFIX + "".join(secrets.choice(alphabet) for _ in range(32))


def v3_sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("ascii"), data, hashlib.sha256).hexdigest()


def fyatu_key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).hexdigest().encode("ascii")


def fyatu_header(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(fyatu_key(secret), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def standard_key(secret: str) -> bytes:
    assert secret.startswith(PREFIX)
    return base64.b64decode(secret[len(PREFIX):], validate=True)


def standard_key_or_none(secret: str) -> bytes | None:
    """The Standard Webhooks key when the secret is "whsec_" + non-empty standard base64, else None (§11)."""
    if not secret.startswith(PREFIX):
        return None
    try:
        key = base64.b64decode(secret[len(PREFIX):], validate=True)
    except ValueError:  # binascii.Error: bad padding or length
        return None
    # b64decode ignores unused bits; hookd's decoder accepts exactly one encoding per key, so require it here.
    if not key or base64.b64encode(key).decode("ascii") != secret[len(PREFIX):]:
        return None
    return key


def any_v3_sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def any_fyatu_entry(secret: str, timestamp: int, body: bytes) -> str:
    key = hashlib.sha256(secret.encode("utf-8")).hexdigest().encode("ascii")
    return "v1=" + hmac.new(key, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def overlap_fyatu_header(secrets_in_force: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}"] + [any_fyatu_entry(s, timestamp, body) for s in secrets_in_force])


def overlap_standard_header(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> str | None:
    message = f"{message_id}.{timestamp}.".encode("utf-8") + body
    entries = []
    for secret in secrets_in_force:
        key = standard_key_or_none(secret)
        if key is not None:
            entries.append("v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii"))
    return " ".join(entries) if entries else None


def standard_header(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    message = f"{message_id}.{timestamp}.".encode("utf-8") + body
    mac = hmac.new(standard_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def compact_envelope(event: str, event_id: str, sign: str, data: bytes) -> tuple[bytes, bytes]:
    """The body hookd sends (SPEC §5.1 key order); returns the bytes before and after the data value."""
    before = f'{{"event":"{event}","version":"3.0","eventId":"{event_id}","sign":"{sign}","data":'.encode()
    return before, b"}"


# Each case: how to build the body around the data bytes. `layout` gets (event, event_id, sign) and the
# data bytes and returns (bytes before data, bytes after data).
def layout_spec(event, event_id, sign, data):
    return compact_envelope(event, event_id, sign, data)


def layout_pretty(event, event_id, sign, data):
    before = (
        "{\n"
        f'  "event": "{event}",\n'
        '  "version": "3.0",\n'
        f'  "eventId": "{event_id}",\n'
        f'  "sign": "{sign}",\n'
        '  "data": '
    ).encode()
    return before, b"\n}\n"


def layout_crlf_tabs(event, event_id, sign, data):
    before = (
        "{\r\n"
        f'\t"event" : "{event}",\r\n'
        '\t"version" : "3.0",\r\n'
        f'\t"eventId" : "{event_id}",\r\n'
        f'\t"sign" : "{sign}",\r\n'
        '\t"data" :\t'
    ).encode()
    return before, b"\r\n}"


def layout_data_first(event, event_id, sign, data):
    after = f',"eventId":"{event_id}","event":"{event}","version":"3.0","sign":"{sign}"}}'.encode()
    return b'{"data":', after


def layout_decoys(event, event_id, sign, data):
    before = (
        f'{{"note":"a decoy: \\"data\\":{{\\"amount\\":\\"999.00\\"}} and }}]{{[",'
        f'"meta":{{"data":{{"nested":true}},"list":[{{"data":"x"}}]}},'
        f'"event":"{event}","version":"3.0","eventId":"{event_id}","sign":"{sign}","data":'
    ).encode()
    after = b',"trailer":{"data":[1,2,3]}}'
    return before, after


CASES = [
    dict(
        name="compact envelope, spec key order",
        secret="whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk2",
        event="card.funded",
        event_id="45795ccf-52a7-4398-ab81-c5fdffc9a0a2",
        timestamp=1767225600,
        data='{"cardId":"crd_4f9a2c","amount":"25.00","currency":"USD","balance":"125.50"}',
        layout=layout_spec,
    ),
    dict(
        name="unicode in data, slash not escaped",
        secret="whsec_bko081jkwr023sw0uspkmgpldmvdpwv0",
        event="card.transaction.approved",
        event_id="3baf6e69-9f63-40bb-ad53-908899ca2c3e",
        timestamp=1767225661,
        data='{"merchant":"Café/Bar Zoë — 東京 🇨🇩","amount":"3.10","city":"Lubumbashi","mcc":"5812"}',
        layout=layout_spec,
    ),
    dict(
        name="escapes and braces inside strings",
        secret="whsec_xub09wl0br1zsbu2r2txv119bqyv9nxy",
        event="cardholder.kyc.rejected",
        event_id="30d3ee0d-d80e-4914-9471-3a4dfedaec40",
        timestamp=1700000000,
        data=(
            r'{"reason":"He said \"no\" \\ C:\\temp\\ \u00e9\ud83d\ude00 \n\t\/","braces":"}{][",'
            r'"decoy":"\"data\":{\"x\":1}","quote\"key":"\\"}'
        ),
        layout=layout_spec,
    ),
    dict(
        name="nested data keys inside data",
        secret="whsec_64drraa91jwqzxx9cotdmrhhwh1eonls",
        event="card.created",
        event_id="a46bfb5a-1468-4731-90f5-91ae28007cb0",
        timestamp=1767225600,
        data='{"data":{"data":[{"data":null},{"data":{"data":"data"}}]},"cardId":"crd_1"}',
        layout=layout_spec,
    ),
    dict(
        name="pretty-printed envelope and data",
        secret="whsec_3gr180xlhm77r8p3hq6ptz919hql6on3",
        event="card.frozen",
        event_id="38581b87-3273-4e79-9ae7-3eaa9d76acd5",
        timestamp=1767229200,
        data='{\n    "cardId": "crd_8b1e",\n    "reason": "user request",\n    "flags": [\n      "a",\n      "b"\n    ]\n  }',
        layout=layout_pretty,
    ),
    dict(
        name="CRLF, tabs and spaces around colons",
        secret="whsec_w32t0oyu1b8kset2naqu98v9exokxmpr",
        event="payout.completed",
        event_id="117fdf5e-f271-43b1-81bf-5cb6619f7792",
        timestamp=1800000000,
        data='{\r\n\t\t"payoutId" : "po_77",\r\n\t\t"amount" : "1000.00"\r\n\t}',
        layout=layout_crlf_tabs,
    ),
    dict(
        name="data first, sign last",
        secret="whsec_0ph4kpnag3ujx2ynimck75kfkalo95mt",
        event="collection.received",
        event_id="09c16e74-6b20-4fe8-88b4-f7621dbc213f",
        timestamp=1767225599,
        data='{"collectionId":"col_2","amount":"42.00","payer":{"name":"A. N. Other","phone":"+243000000000"}}',
        layout=layout_data_first,
    ),
    dict(
        name="decoy data keys in strings and nested objects around the real one",
        secret="whsec_j4aem74t94pz8ltifa5d3fo26cqx2mfv",
        event="card.unloaded",
        event_id="faeafbde-4b98-4ec5-88e5-c4c4b0de358a",
        timestamp=1767225600,
        data='{"cardId":"crd_9","amount":"5.00"}',
        layout=layout_decoys,
    ),
    dict(
        name="numbers in every JSON form",
        secret="whsec_5z7qrxrso1bn82gi0fiietueg2d6mhgd",
        event="card.transaction.reversed",
        event_id="6d50c4a0-8eb4-4924-a7be-3c2fabdfcbe1",
        timestamp=1767225600,
        data='{"amount":25.5,"zero":0,"negZero":-0.0,"big":12345678901234567890,"small":1.5e-7,"E":2E+10,"list":[0,-1,3.14],"ok":true,"no":false,"none":null}',
        layout=layout_spec,
    ),
    dict(
        name="empty data object",
        secret="whsec_433mxhwmdscjoydc11hgnwd5pwji9kbe",
        event="cardholder.created",
        event_id="633fd20f-5afe-46d3-870b-20873fd462f5",
        timestamp=1767225600,
        data="{}",
        layout=layout_spec,
    ),
    dict(
        name="test delivery, far-future timestamp",
        secret="whsec_ahmo0uulm8ns1kr6u1k1prxh1mr0m549",
        event="webhook.test",
        event_id="8e1dbf6f-dec9-4401-9b66-c9d17f26758b",
        timestamp=2000000000,
        data='{"_test":true,"message":"This is a test webhook from hookd"}',
        layout=layout_spec,
    ),
    dict(
        name="larger payload (200 transactions)",
        secret="whsec_nvcvdle2tl454ts49u1scc9rjdj5n7pp",
        event="card.transaction.declined",
        event_id="2eb19561-279f-4112-9699-74403cd525b9",
        timestamp=1767225600,
        data=json.dumps(
            {"transactions": [{"id": f"txn_{i:04d}", "amount": f"{i}.{i % 100:02d}", "note": "ö/ü"} for i in range(200)]},
            separators=(",", ":"),
            ensure_ascii=False,
        ),
        layout=layout_spec,
    ),
]


def build(case: dict) -> dict:
    secret, event, event_id, ts = case["secret"], case["event"], case["event_id"], case["timestamp"]
    assert secret.startswith(PREFIX) and len(secret) == len(PREFIX) + 32
    assert all(c in string.ascii_lowercase + string.digits for c in secret[len(PREFIX):])
    data = case["data"].encode("utf-8")
    sign = v3_sign(secret, data)
    before, after = case["layout"](event, event_id, sign, data)
    body = before + data + after
    start, end = len(before), len(before) + len(data)

    # Self-checks against Python's own JSON parser: the splice is where a parser says `data` is.
    parsed = json.loads(body.decode("utf-8"))
    assert parsed["data"] == json.loads(data.decode("utf-8")), case["name"]
    assert parsed["sign"] == sign and parsed["eventId"] == event_id and parsed["event"] == event
    assert body[start:end] == data

    return {
        "name": case["name"],
        "secret": secret,
        "eventId": event_id,
        "event": event,
        "timestamp": ts,
        "body": body.decode("utf-8"),
        "bodyBase64": base64.b64encode(body).decode("ascii"),
        "dataRange": [start, end],
        "derived": {
            "fyatuKey": fyatu_key(secret).decode("ascii"),
            "standardKeyBase64": base64.b64encode(standard_key(secret)).decode("ascii"),
        },
        "expected": {
            "sign": sign,
            "xFyatuSignature": fyatu_header(secret, ts, body),
            "webhookSignature": standard_header(secret, event_id, ts, body),
        },
    }


def v320_body(event: str, event_id: str, business_id: str, environment: str, iso_time: str, data: bytes):
    """The body a v3.20 endpoint receives (SPEC §11): no sign, no version; returns (before data, after data)."""
    before = (
        f'{{"event":"{event}","eventId":"{event_id}","businessId":"{business_id}",'
        f'"environment":"{environment}","timestamp":"{iso_time}","data":'
    ).encode()
    return before, b"}"


HOOKD_V320_SECRET = "whsec_fe3c4621eec15213eef7649c9f20f3f53f3f24b745a11d6381a64fe6284bd0ef"  # whsec_ + 64 hex
HOOKD_V320_NEXT_SECRET = "whsec_837582bcf8320767c4b18bae353f812efd122c687954d5b075a373fcf9ce9001"
HOOKD_V3_SECRET = "whsec_fa2ilnhjlfylaushysn3wnew4v3j1hpe"  # whsec_ + 32 of [a-z0-9]
BARE_HEX_SECRET = "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5"  # 64 hex, no prefix
OTHER_BARE_HEX_SECRET = "729dda108115402ec0a082c9771bd3ae56837df1c524b53571341d017b527921"
ODD_WHSEC_SECRET = "whsec_SR5j5YGbwaF3HnJm1TR9NJ4I45F"  # whsec_ + 27 characters: not base64
PASSPHRASE_SECRET = "correct horse battery staple 2026"  # spaces inside are part of the secret

DELIVERY_CASES = [
    dict(
        name="v3.20 body, whsec_ + 64 hex secret as hookd's v3.20 endpoints issue",
        format="v3.20",
        secrets=[HOOKD_V320_SECRET],
        event="CARD_FUNDED",
        event_id="fef3ed85-9a20-44d8-a871-c1221db0fa6a",
        business_id="B7Q2M4X9K1R8T3W6Z5N0P2L4",
        environment="LIVE",
        timestamp=1767225600,
        data='{"cardId":"crd_4f9a2c","amount":"25.00","currency":"USD","balance":"125.50"}',
    ),
    dict(
        name="v3.20 body, bare 64-hex secret: no webhook-signature",
        format="v3.20",
        secrets=[BARE_HEX_SECRET],
        event="CARD_TRANSACTION_APPROVED",
        event_id="0ed27f51-2b41-4bfd-9165-117a6cb0977c",
        business_id="C3V8N1M5Q7W2E9R4T6Y0U1I3",
        environment="SANDBOX",
        timestamp=1767225661,
        data='{"merchant":"Café/Bar Zoë — 東京","amount":"3.10","_test":false}',
    ),
    dict(
        name="v3 body, bare 64-hex secret: sign and X-Fyatu-Signature only",
        format="v3",
        secrets=[BARE_HEX_SECRET],
        event="card.frozen",
        event_id="58aa4a47-7854-49cb-a982-607707f91c4c",
        timestamp=1767229200,
        data='{"cardId":"crd_8b1e","reason":"user request"}',
    ),
    dict(
        name="v3 body, whsec_ + 64 hex secret: all three schemes",
        format="v3",
        secrets=[HOOKD_V320_SECRET],
        event="card.created",
        event_id="071e3597-6a01-4e3a-8afa-804a0d69f1b0",
        timestamp=1767225600,
        data='{"cardId":"crd_1","brand":"VISA","last4":"4242"}',
    ),
    dict(
        name="v3 body, whsec_ + 27 characters (not base64): sign and X-Fyatu-Signature only",
        format="v3",
        secrets=[ODD_WHSEC_SECRET],
        event="payout.completed",
        event_id="84b38798-9903-43fc-81e1-a5bdca7d0ca0",
        timestamp=1800000000,
        data='{"payoutId":"po_77","amount":"1000.00"}',
    ),
    dict(
        name="v3.20 body, a passphrase secret with spaces",
        format="v3.20",
        secrets=[PASSPHRASE_SECRET],
        event="CARDHOLDER_CREATED",
        event_id="764bd2e8-2ccc-4613-93a4-65aaf68259e9",
        business_id="D1F4G7H0J3K6L9Z2X5C8V1B4",
        environment="LIVE",
        timestamp=1767225600,
        data="{}",
    ),
    dict(
        name="v3.20 body, rotation overlap: new and old whsec_ secrets both sign both headers",
        format="v3.20",
        secrets=[HOOKD_V320_NEXT_SECRET, HOOKD_V320_SECRET],
        event="CARD_UNLOADED",
        event_id="8cf2c1ed-744e-47e7-bbec-c1ade2937237",
        business_id="B7Q2M4X9K1R8T3W6Z5N0P2L4",
        environment="LIVE",
        timestamp=1767225600,
        data='{"cardId":"crd_9","amount":"5.00"}',
    ),
    dict(
        name="v3.20 body, rotation overlap from a whsec_ [a-z0-9] secret to a bare 64-hex one",
        format="v3.20",
        secrets=[OTHER_BARE_HEX_SECRET, HOOKD_V3_SECRET],
        event="CARD_TERMINATED",
        event_id="6b40efd6-b508-4ed6-8c93-70fbcbe2d30e",
        business_id="B7Q2M4X9K1R8T3W6Z5N0P2L4",
        environment="SANDBOX",
        timestamp=1767225600,
        data='{"cardId":"crd_9","reason":"expired","refund":{"amount":"5.00","currency":"USD"}}',
    ),
]


def iso_utc(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_delivery(case: dict) -> dict:
    secrets_in_force, event, event_id, ts = case["secrets"], case["event"], case["event_id"], case["timestamp"]
    data = case["data"].encode("utf-8")
    if case["format"] == "v3":
        assert len(secrets_in_force) == 1, "v3 URLs never overlap: one secret signs the v3 sign"
        sign = any_v3_sign(secrets_in_force[0], data)
        before, after = compact_envelope(event, event_id, sign, data)
    else:
        sign = None
        before, after = v320_body(event, event_id, case["business_id"], case["environment"], iso_utc(ts), data)
    body = before + data + after
    start, end = len(before), len(before) + len(data)

    parsed = json.loads(body.decode("utf-8"))
    assert parsed["data"] == json.loads(data.decode("utf-8")), case["name"]
    assert parsed["eventId"] == event_id and parsed["event"] == event and parsed.get("sign") == sign
    assert ("version" in parsed) == (case["format"] == "v3")
    assert body[start:end] == data

    fyatu = overlap_fyatu_header(secrets_in_force, ts, body)
    standard = overlap_standard_header(secrets_in_force, event_id, ts, body)
    headers = {
        "Content-Type": "application/json",
        "X-Fyatu-Event": event,
        "X-Fyatu-Event-Id": event_id,
        "X-Fyatu-Timestamp": str(ts),
        "X-Fyatu-Signature": fyatu,
    }
    if case["format"] == "v3.20":
        headers["X-Fyatu-Environment"] = case["environment"]
    headers["webhook-id"] = event_id
    headers["webhook-timestamp"] = str(ts)
    if standard is not None:
        headers["webhook-signature"] = standard

    def describe(secret: str) -> dict:
        key = standard_key_or_none(secret)
        return {
            "secret": secret,
            "fyatuKey": hashlib.sha256(secret.encode("utf-8")).hexdigest(),
            "standardKeyBase64": None if key is None else base64.b64encode(key).decode("ascii"),
        }

    return {
        "name": case["name"],
        "format": case["format"],
        "secrets": [describe(secret) for secret in secrets_in_force],
        "eventId": event_id,
        "event": event,
        "businessId": case.get("business_id"),
        "environment": case.get("environment"),
        "timestamp": ts,
        "body": body.decode("utf-8"),
        "bodyBase64": base64.b64encode(body).decode("ascii"),
        "dataRange": [start, end],
        "headers": headers,
        "expected": {"sign": sign, "xFyatuSignature": fyatu, "webhookSignature": standard},
    }


def render() -> str:
    document = {
        "about": "hookd signature test vectors, generated by make_signature_vectors.py from SPEC.md §5.1 and §11. "
        "Test secrets only. bodyBase64 is authoritative; body is the same bytes as text. "
        "dataRange is [start, end) in bytes of the data value inside the body. "
        "deliveries: v3.20 bodies, secrets of any shape and rotation overlap; secrets lists every secret in force "
        "(standardKeyBase64 null: it cannot make a webhook-signature), headers is what is sent.",
        "cases": [build(case) for case in CASES],
        "deliveries": [build_delivery(case) for case in DELIVERY_CASES],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if "--new-secret" in argv:
        print(new_secret())
        return 0
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.name} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is up to date ({len(CASES)} cases, {len(DELIVERY_CASES)} deliveries)")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.name} ({len(CASES)} cases, {len(DELIVERY_CASES)} deliveries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
