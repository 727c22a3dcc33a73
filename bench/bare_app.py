"""The reference for bench/bench_http.py: a bare FastAPI endpoint returning a small dict,
served by the same uvicorn options as the real application."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
def bare() -> dict[str, object]:
    return {"ok": True, "service": "welcome-buddy", "version": 1}
