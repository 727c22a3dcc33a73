"""The floor for bench/bench_http.py: the least an authenticated ``GET`` reading one row can cost
on this machine with this stack. Not the application: an ``async`` FastAPI endpoint that hashes
the bearer token and reads its account with ONE raw query through psycopg's async connection
(no ORM, no session, no thread pool, no middleware). Served by the same uvicorn options as the
real application, it says how much of the gap to the bare endpoint is the database itself and
how much is the application's own layers."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI, Header, HTTPException

QUERY = (
    "SELECT users.id, users.email, users.locale, users.role FROM auth_tokens "
    "JOIN users ON users.id = auth_tokens.user_id "
    "WHERE auth_tokens.token_hash = %s AND auth_tokens.expires_at > now()"
)
free: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # A fixed pool of 8 connections per worker, opened before the first request.
    opened = [await psycopg.AsyncConnection.connect(os.environ["FLOOR_DSN"], autocommit=True)
              for _ in range(8)]  # fmt: skip
    for conn in opened:
        free.put_nowait(conn)
    yield
    for conn in opened:
        await conn.close()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
def healthz() -> dict[str, bool]:
    return {"ok": True}


@app.get("/floor")
async def floor(authorization: str = Header("")) -> dict[str, object]:
    token = authorization.removeprefix("Bearer ")
    conn = await free.get()
    try:
        cur = await conn.execute(QUERY, (hashlib.sha256(token.encode()).hexdigest(),))
        row = await cur.fetchone()
    finally:
        free.put_nowait(conn)
    if row is None:
        raise HTTPException(401, "Not signed in.")
    return {"id": row[0], "email": row[1], "locale": row[2], "role": row[3]}
