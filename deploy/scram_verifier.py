"""Prints the SCRAM-SHA-256 verifier of the password in DB_PASSWORD (RFC 5802/7677, as
PostgreSQL stores it), so that `ALTER ROLE ... PASSWORD '<verifier>'` never carries the
password itself: not on a command line, not in SQL the server might log.

    DB_PASSWORD=... python -m deploy.scram_verifier
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys

ITERATIONS = 4096


def verifier(password: str, salt: bytes, iterations: int = ITERATIONS) -> str:
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


if __name__ == "__main__":
    secret = os.environ.get("DB_PASSWORD", "")
    if not secret:
        sys.exit("DB_PASSWORD is empty")
    print(verifier(secret, os.urandom(16)))
