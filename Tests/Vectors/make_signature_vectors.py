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

The inputs, each case's secret, event, time, data and layout, are in signature-cases.json beside this script:
data, kept apart from the formulas here. The secrets there and in SECRETS below were drawn once with `secrets`
(see new_secret) and are fixed so the output is stable. They are test values, never used anywhere else.
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
INPUTS = Path(__file__).with_name("signature-cases.json")


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


# Each case's `layout` names how to build the body around the data bytes (LAYOUTS): a function that gets
# (event, event_id, sign) and the data bytes and returns (bytes before data, bytes after data).
def layout_spec(event, event_id, sign, data):
    return compact_envelope(event, event_id, sign, data)


def indented_envelope(event, event_id, sign, newline: str, indent: str, colon: str, data_colon: str) -> bytes:
    """The envelope's keys one a line, in SPEC §5.1 order, up to the data value."""
    fields = [("event", event), ("version", "3.0"), ("eventId", event_id), ("sign", sign)]
    lines = "".join(f'{indent}"{key}"{colon}"{value}",{newline}' for key, value in fields)
    return ("{" + newline + lines + f'{indent}"data"{data_colon}').encode()


def layout_pretty(event, event_id, sign, data):
    return indented_envelope(event, event_id, sign, "\n", "  ", ": ", ": "), b"\n}\n"


def layout_crlf_tabs(event, event_id, sign, data):
    return indented_envelope(event, event_id, sign, "\r\n", "\t", " : ", " :\t"), b"\r\n}"


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


LAYOUTS = {
    "spec": layout_spec,
    "pretty": layout_pretty,
    "crlf-tabs": layout_crlf_tabs,
    "data-first": layout_data_first,
    "decoys": layout_decoys,
}

# Data too long to write out in the inputs, named there by `generated_data`.
GENERATED_DATA = {
    "200 transactions": lambda: json.dumps(
        {"transactions": [{"id": f"txn_{i:04d}", "amount": f"{i}.{i % 100:02d}", "note": "ö/ü"} for i in range(200)]},
        separators=(",", ":"),
        ensure_ascii=False,
    ),
}


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


# The secrets the deliveries name, with the shape each stands for.
SECRETS = {
    "hookd-v3.20": "whsec_fe3c4621eec15213eef7649c9f20f3f53f3f24b745a11d6381a64fe6284bd0ef",  # whsec_ + 64 hex
    "hookd-v3.20-next": "whsec_837582bcf8320767c4b18bae353f812efd122c687954d5b075a373fcf9ce9001",
    "hookd-v3": "whsec_fa2ilnhjlfylaushysn3wnew4v3j1hpe",  # whsec_ + 32 of [a-z0-9]
    "bare-hex": "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5",  # 64 hex, no prefix
    "other-bare-hex": "729dda108115402ec0a082c9771bd3ae56837df1c524b53571341d017b527921",
    "odd-whsec": "whsec_SR5j5YGbwaF3HnJm1TR9NJ4I45F",  # whsec_ + 27 characters: not base64
    "passphrase": "correct horse battery staple 2026",  # spaces inside are part of the secret
}


def load_inputs() -> tuple[list[dict], list[dict]]:
    """The cases and deliveries of signature-cases.json, their layouts, data and secrets resolved."""
    inputs = json.loads(INPUTS.read_text(encoding="utf-8"))
    cases = [
        dict(
            case,
            layout=LAYOUTS[case["layout"]],
            data=case["data"] if "data" in case else GENERATED_DATA[case["generated_data"]](),
        )
        for case in inputs["cases"]
    ]
    deliveries = [dict(case, secrets=[SECRETS[name] for name in case["secrets"]]) for case in inputs["deliveries"]]
    return cases, deliveries


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


def render(cases: list[dict], deliveries: list[dict]) -> str:
    document = {
        "about": "hookd signature test vectors, generated by make_signature_vectors.py from SPEC.md §5.1 and §11. "
        "Test secrets only. bodyBase64 is authoritative; body is the same bytes as text. "
        "dataRange is [start, end) in bytes of the data value inside the body. "
        "deliveries: v3.20 bodies, secrets of any shape and rotation overlap; secrets lists every secret in force "
        "(standardKeyBase64 null: it cannot make a webhook-signature), headers is what is sent.",
        "cases": [build(case) for case in cases],
        "deliveries": [build_delivery(case) for case in deliveries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if "--new-secret" in argv:
        print(new_secret())
        return 0
    cases, deliveries = load_inputs()
    text = render(cases, deliveries)
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.name} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is up to date ({len(cases)} cases, {len(deliveries)} deliveries)")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.name} ({len(cases)} cases, {len(deliveries)} deliveries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
