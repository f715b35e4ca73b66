"""callscope's application layer: settings, storage, jobs, the CLI and the HTTP API.

Nothing imports ``api``; it imports everything else. Entry points: ``api.cli:main`` (the ``callscope``
command) and ``api.app:create_app`` (the FastAPI application).
"""

__all__: list[str] = []
