from typing import Any

import api.access as access
import api.data_rights as data_rights
from common.errors import InvalidInput
from tests.api import test_api_fuzz
from tests.api.test_api_fuzz import target  # noqa: F401


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        return v.replace("\x00", "\ufffd")
    if isinstance(v, dict):
        return {_clean(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_clean(x) for x in v)
    return v


def test_x(target, monkeypatch) -> None:  # noqa: F811
    orig = access.audit
    def audit(rt, actor, action, **kw):
        kw = {k: _clean(v) for k, v in kw.items()}
        if kw.get("target"):
            kw["target"] = (kw["target"][0], kw["target"][1][:200])
        return orig(rt, actor, action, **kw)
    monkeypatch.setattr(access, "audit", audit)
    orig_p = data_rights.purge_older_than
    def purge(rt, days, **kw):
        if days > 36500:
            raise InvalidInput("too many days")
        return orig_p(rt, days, **kw)
    monkeypatch.setattr(data_rights, "purge_older_than", purge)
    monkeypatch.setattr(test_api_fuzz, "EXAMPLES", 40)
    real = test_api_fuzz.hypothesis_settings
    monkeypatch.setattr(test_api_fuzz, "hypothesis_settings", lambda **kw: real(**{**kw, "derandomize": False}))
    test_api_fuzz.test_no_generated_request_gets_a_server_error(target)
