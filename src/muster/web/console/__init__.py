"""The operations console: server-rendered pages, live over Server-Sent Events."""
