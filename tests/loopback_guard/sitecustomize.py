import os

if os.environ.get("PROBE_LOOPBACK_GUARD") == "1":
    import importlib.util
    import pathlib

    _spec = importlib.util.spec_from_file_location(
        "_probe_loopback_guard", pathlib.Path(__file__).with_name("guard.py")
    )
    assert _spec and _spec.loader
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    _mod.install()
