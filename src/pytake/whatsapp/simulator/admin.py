"""The /_sim admin endpoints: the accepted log, stats, rules, live config and health (no token)."""

from aiohttp import web

from pytake.whatsapp.simulator.config import ConfigError, describe_config, update_config
from pytake.whatsapp.simulator.rules import rule_from_mapping
from pytake.whatsapp.simulator.state import SimulatorState


def _unprocessable(message: str) -> web.Response:
    return web.json_response({"error": message}, status=422)


def _query_count(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{name} must be a whole number >= 0, got {raw!r}")
    return int(raw)


async def _read_json(request: web.Request) -> object:
    try:
        return await request.json()
    except ValueError:
        raise ValueError("the request body is not valid JSON") from None


class AdminEndpoints:
    """Lets tests and the demo look inside the simulator and steer it while it runs."""

    def __init__(self, state: SimulatorState) -> None:
        self._state = state

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sim/health", self.health),
            web.get("/_sim/messages", self.list_messages),
            web.delete("/_sim/messages", self.reset),
            web.get("/_sim/stats", self.stats),
            web.get("/_sim/rules", self.list_rules),
            web.post("/_sim/rules", self.add_rules),
            web.delete("/_sim/rules", self.clear_rules),
            web.get("/_sim/config", self.show_config),
            web.post("/_sim/config", self.change_config),
        ]

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def list_messages(self, request: web.Request) -> web.Response:
        try:
            offset = _query_count(request, "offset") or 0
            limit = _query_count(request, "limit")
        except ValueError as exc:
            return _unprocessable(str(exc))
        page = self._state.log.page(offset, limit)
        return web.json_response(
            {"count": len(self._state.log), "messages": [message.to_json() for message in page]}
        )

    async def reset(self, request: web.Request) -> web.Response:
        deleted = len(self._state.log)
        self._state.reset()
        return web.json_response({"deleted": deleted})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self._state.stats())

    async def list_rules(self, request: web.Request) -> web.Response:
        return web.json_response({"rules": self._state.rules.to_json()})

    async def add_rules(self, request: web.Request) -> web.Response:
        try:
            body = await _read_json(request)
            if not isinstance(body, list):
                raise ValueError("the body must be a JSON list of rules")
            rules = [rule_from_mapping(item) for item in body]
        except ValueError as exc:
            return _unprocessable(str(exc))
        self._state.rules.add(rules)
        return web.json_response({"rules": self._state.rules.to_json()})

    async def clear_rules(self, request: web.Request) -> web.Response:
        self._state.rules.clear()
        return web.json_response({"rules": []})

    async def show_config(self, request: web.Request) -> web.Response:
        return web.json_response(describe_config(self._state.config))

    async def change_config(self, request: web.Request) -> web.Response:
        try:
            body = await _read_json(request)
            if not isinstance(body, dict):
                raise ConfigError("the body must be a JSON object of config keys")
            config = update_config(self._state.config, body)
        except ValueError as exc:
            return _unprocessable(str(exc))
        self._state.apply_config(config)
        return web.json_response(describe_config(config))
