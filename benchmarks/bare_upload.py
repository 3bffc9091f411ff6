"""The edge benchmark's baseline: a bare FastAPI endpoint taking the same upload with UploadFile."""

from __future__ import annotations

import sys
from typing import Annotated

import uvicorn
from fastapi import FastAPI, File, UploadFile

app = FastAPI()


@app.post("/upload", status_code=201)
async def upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
    data = await file.read()
    return {"size": len(data)}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
