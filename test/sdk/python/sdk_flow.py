"""Every video and character call of sora-characters through the official Python SDK (openai 3.x).

Driven by test/sdk/openai-python.test.ts. Environment: OPENAI_BASE_URL (<root>/v1), OPENAI_API_KEY,
SORA_ROOT_URL (<root>, for /sora/v1/characters), FACE_VIDEO (an mp4 with a face), IMAGE_PNG (a png).
Prints one JSON line per step: {"step": name, "ok": true, ...facts} or {"step": name, "ok": false, "error": ...};
a failed step does not stop the steps that do not need it.
"""

import base64
import json
import os
import time

import openai

ROOT = os.environ["SORA_ROOT_URL"].rstrip("/")
client = openai.OpenAI(max_retries=0)
state = {}


def emit(step, **facts):
    print(json.dumps({"step": step, **facts}), flush=True)


def error_of(exc):
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        return {"status": exc.status_code, "code": exc.code, "param": body.get("param"), "message": exc.message}
    return {"status": None, "code": type(exc).__name__, "param": None, "message": str(exc)}


def step(name, *needs):
    """Runs the decorated function at once, as the step `name`, if the steps it needs left their ids in `state`."""

    def run(fn):
        missing = [n for n in needs if n not in state]
        if missing:
            emit(name, ok=False, error={"status": None, "code": "skipped", "param": None, "message": f"needs {missing}"})
            return fn
        try:
            emit(name, ok=True, **fn())
        except Exception as exc:  # one step's failure is reported, the next steps still run
            emit(name, ok=False, error=error_of(exc))
        return fn

    return run


def poll(video_id):
    for _ in range(600):
        v = client.videos.retrieve(video_id)
        if v.status in ("completed", "failed"):
            return v
        time.sleep(0.2)
    raise TimeoutError(f"{video_id} did not finish")


def magic(data):
    if data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"\xff\xd8":
        return "jpeg"
    return data[:12].hex()


@step("version")
def _():
    return {"version": openai.__version__}


@step("create_character")
def _():
    with open(os.environ["FACE_VIDEO"], "rb") as f:
        c = client.videos.create_character(name="Ada", video=("face.mp4", f, "video/mp4"))
    state["character"] = c.id
    return {"character": c.to_dict()}


@step("get_character", "character")
def _():
    c = client.videos.get_character(state["character"]).to_dict()
    state["username"] = c["username"]
    return {"character": c}


@step("create_with_mention", "username")
def _():
    v = client.videos.create(prompt=f"@{state['username']} waves at the camera", seconds="4", size="720x1280")
    state["video"] = v.id
    return {"video": v.to_dict()}


@step("create_with_characters", "character")
def _():
    # create() has no `characters` argument: extra_body goes into the same multipart form (characters[][id]).
    v = client.videos.create(prompt="someone waves", extra_body={"characters": [{"id": state["character"]}]})
    state["video_with_characters"] = v.id
    return {"video": v.to_dict()}


@step("create_with_input_reference")
def _():
    with open(os.environ["IMAGE_PNG"], "rb") as f:
        v = client.videos.create(prompt="from a picture", size="1280x720", input_reference=("ref.png", f, "image/png"))
    return {"video": v.to_dict(), "done": poll(v.id).status}


@step("create_with_image_url")
def _():
    with open(os.environ["IMAGE_PNG"], "rb") as f:
        image_url = "data:image/png;base64," + base64.b64encode(f.read()).decode()
    # The SDK takes only a file as input_reference; {"image_url"} goes in as input_reference[image_url].
    v = client.videos.create(prompt="from a data URL", extra_body={"input_reference": {"image_url": image_url}})
    return {"video": v.to_dict(), "done": poll(v.id).status}


@step("retrieve_until_completed", "video")
def _():
    first = client.videos.retrieve(state["video"])
    done = poll(state["video"])
    return {"first_status": first.status, "video": done.to_dict()}


@step("retrieve_with_characters", "video_with_characters")
def _():
    return {"video": poll(state["video_with_characters"]).to_dict()}


@step("list_paginated", "video")
def _():
    pages = client.videos.list(limit=1)
    first_page = [v.id for v in pages.data]
    every = [v.id for v in client.videos.list(limit=1)]  # auto-pagination: one request per item
    ascending = [v.id for v in client.videos.list(limit=1, order="asc")]
    return {"first_page": first_page, "has_more": pages.has_more, "ids": every, "ascending": ascending}


@step("download_content", "video")
def _():
    kinds = {}
    for variant in ("video", "thumbnail", "spritesheet"):
        data = client.videos.download_content(state["video"], variant=variant).read()
        kinds[variant] = {"magic": magic(data), "bytes": len(data)}
    return {"variants": kinds}


@step("remix", "video")
def _():
    r = client.videos.remix(state["video"], prompt="the same, at night")
    state["remix"] = r.id
    return {"video": r.to_dict(), "done": poll(r.id).to_dict()}


@step("characters_route", "video")
def _():
    # /sora/v1/characters is not under the SDK's base URL: the SDK's own post() with an absolute URL.
    made = client.post(f"{ROOT}/sora/v1/characters", body={"from_task": state["video"], "timestamps": "1,3"}, cast_to=object)
    listed = client.get(f"{ROOT}/sora/v1/characters", cast_to=object)
    return {"character": made, "listed": [c["id"] for c in listed["data"]]}


@step("refusal")
def _():
    try:
        client.videos.create(prompt="x", seconds="5")
    except openai.BadRequestError as exc:
        return {"refused": error_of(exc)}
    raise AssertionError("seconds=5 was accepted")


@step("delete", "remix")
def _():
    d = client.videos.delete(state["remix"])
    try:
        client.videos.retrieve(state["remix"])
        after = None
    except openai.NotFoundError as exc:
        after = error_of(exc)
    return {"deleted": d.to_dict(), "after": after}

