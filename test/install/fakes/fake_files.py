"""JSON state files of the fakes (fake_manager.py, fake_modern.py): read with a default, written atomically so a fake
killed mid-write leaves the previous state."""
import json
import os


def load(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def save(path, value):
    with open(path + ".tmp", "w") as handle:
        json.dump(value, handle, indent=2)
    os.replace(path + ".tmp", path)
