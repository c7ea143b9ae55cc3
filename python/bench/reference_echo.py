"""OpenEnv's reference echo environment, served by openenv-core's own server, for benchmarks.

The environment is the one `openenv init` writes (openenv-core's template: an echo of
`{"message": ...}` actions); `create_app` and uvicorn serve it exactly as a generated
environment's `server/app.py` does, except that it accepts `--max-sessions` WebSocket sessions
at once (the template allows one).

    python reference_echo.py --port 8001 --max-sessions 64
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from pathlib import Path


def generate(into: Path) -> None:
    """Writes the echo environment package `echo` under `into`, as `openenv init echo` does."""
    from openenv.cli.commands.init import init

    if not (into / "echo" / "models.py").is_file():
        init("echo", output_dir=str(into))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--max-sessions", type=int, default=64)
    parser.add_argument("--dir", type=Path, help="where the generated package goes (default: a temporary folder)")
    args = parser.parse_args()

    import uvicorn
    from openenv.core.env_server.http_server import create_app

    with tempfile.TemporaryDirectory(prefix="openenv-echo-") as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        generate(root)
        sys.path.insert(0, str(root))
        models = importlib.import_module("echo.models")
        environment = importlib.import_module("echo.server.echo_environment")
        app = create_app(
            environment.EchoEnvironment,
            models.EchoAction,
            models.EchoObservation,
            env_name="echo",
            max_concurrent_envs=args.max_sessions,
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
