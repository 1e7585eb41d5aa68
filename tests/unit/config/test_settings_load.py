from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tradingbot.config import ConfigError, Mode, SecretSource, Settings, describe, load_settings

KEY = "planted-key-7f3a9c"
SECRET = "planted-secret-b81e44"
WEBHOOK = "https://discord.example/api/webhooks/123/planted-token-5d2e"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"TRADINGBOT_SECRETS_DIR": str(tmp_path / "secrets"), **extra}


def _write_secrets(tmp_path: Path, **values: str) -> None:
    d = tmp_path / "secrets"
    d.mkdir(exist_ok=True)
    for name, value in values.items():
        (d / name).write_text(value)


def test_defaults_with_empty_env(tmp_path: Path) -> None:
    s = load_settings(_env(tmp_path))
    assert s.mode is Mode.PAPER
    assert s.symbol == "BTC_JPY"
    assert (s.http_host, s.http_port) == ("127.0.0.1", 9754)
    assert s.var_dir == Path("var")
    assert s.sim_url == ""
    assert s.sim_seed == 42
    assert s.cancel_on_stop
    assert s.flatten_on_abort
    assert not s.adopt_exchange_state
    assert s.daily_reset_tz == "Asia/Tokyo"
    assert (s.audit_log_max_bytes, s.audit_log_retention) == (10485760, 5)
    assert (s.rate.get_per_second, s.rate.post_per_second) == (20, 20)
    assert s.strategy.name == "ma_cross"
    assert s.audit_log_path == Path("var/logs/audit_events.jsonl")
    assert s.artifacts_dir == Path("var/artifacts")
    assert s.gmo_api_key is None
    assert s.secret_sources.gmo_api_key is SecretSource.ABSENT


def test_every_contract_name_is_read(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        TRADINGBOT_SYMBOL="ETH_JPY",
        TRADINGBOT_VAR_DIR="/data/var",
        TRADINGBOT_HTTP_HOST="127.0.0.2",
        TRADINGBOT_HTTP_PORT="9000",
        TRADINGBOT_SIM_URL="http://127.0.0.1:8080/",
        TRADINGBOT_SIM_SEED="7",
        TRADINGBOT_CANCEL_ON_STOP="false",
        TRADINGBOT_FLATTEN_ON_ABORT="false",
        TRADINGBOT_ADOPT_EXCHANGE_STATE="true",
        TRADINGBOT_DAILY_RESET_TZ="UTC",
        TRADINGBOT_RISK__MAX_DRAWDOWN="0.2",
        TRADINGBOT_RISK__DAILY_LOSS_LIMIT="1000",
        TRADINGBOT_RISK__MAX_POSITION_SIZE="0.5",
        TRADINGBOT_RISK__MAX_TRADE_LOSS="300",
        TRADINGBOT_RISK__MAX_LEVERAGE="1.5",
        TRADINGBOT_RISK__MAX_WALLET_DRIFT="10",
        TRADINGBOT_STRATEGY__FAST_WINDOW="3",
        TRADINGBOT_STRATEGY__SLOW_WINDOW="9",
        TRADINGBOT_STRATEGY__ORDER_SIZE="0.2",
        TRADINGBOT_RATE__GET_PER_SECOND="5",
        TRADINGBOT_RATE__POST_PER_SECOND="4",
        TRADINGBOT_LOG_LEVEL="debug",
        AUDIT_LOG_MAX_BYTES="1048576",
        AUDIT_LOG_RETENTION="7",
    )
    s = load_settings(env)
    assert s.symbol == "ETH_JPY"
    assert s.var_dir == Path("/data/var")
    assert (s.http_host, s.http_port) == ("127.0.0.2", 9000)
    assert s.sim_url == "http://127.0.0.1:8080"
    assert s.sim_seed == 7
    assert not s.cancel_on_stop
    assert not s.flatten_on_abort
    assert s.adopt_exchange_state
    assert s.daily_reset_zone.key == "UTC"
    assert s.risk.max_drawdown == Decimal("0.2")
    assert s.risk.daily_loss_limit == Decimal("1000")
    assert s.risk.max_position_size == Decimal("0.5")
    assert s.risk.max_trade_loss == Decimal("300")
    assert s.risk.max_leverage == Decimal("1.5")
    assert s.risk.max_wallet_drift == Decimal("10")
    assert (s.strategy.fast_window, s.strategy.slow_window, s.strategy.order_size) == (3, 9, Decimal("0.2"))
    assert (s.rate.get_per_second, s.rate.post_per_second) == (5, 4)
    assert s.log_level == "DEBUG"
    assert (s.audit_log_max_bytes, s.audit_log_retention) == (1048576, 7)


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = load_settings(_env(tmp_path))
    with pytest.raises(ValueError, match="frozen"):
        s.http_port = 1  # type: ignore[misc]


def test_settings_constructor_ignores_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADINGBOT_HTTP_PORT", "1234")
    assert Settings().http_port == 9754


def test_load_settings_reads_process_env_only_when_no_mapping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRADINGBOT_HTTP_PORT", "1234")
    monkeypatch.setenv("TRADINGBOT_SECRETS_DIR", str(tmp_path))
    assert load_settings().http_port == 1234
    assert load_settings(_env(tmp_path)).http_port == 9754


def test_secret_files_win_over_env(tmp_path: Path) -> None:
    _write_secrets(tmp_path, gmo_api_key=KEY + "\n", gmo_api_secret=SECRET)
    s = load_settings(
        _env(tmp_path, GMO_API_KEY="env-key", GMO_API_SECRET="env-secret", DISCORD_WEBHOOK_URL=WEBHOOK)
    )
    assert s.gmo_api_key is not None
    assert s.gmo_api_key.get_secret_value() == KEY
    assert s.gmo_api_secret is not None
    assert s.gmo_api_secret.get_secret_value() == SECRET
    assert s.discord_webhook_url is not None
    assert s.discord_webhook_url.get_secret_value() == WEBHOOK
    assert s.secret_sources.gmo_api_key is SecretSource.FILE
    assert s.secret_sources.gmo_api_secret is SecretSource.FILE
    assert s.secret_sources.discord_webhook_url is SecretSource.ENV
    assert set(s.secret_values()) == {KEY, SECRET, WEBHOOK}


def test_empty_env_secret_is_absent(tmp_path: Path) -> None:
    s = load_settings(_env(tmp_path, GMO_API_KEY=""))
    assert s.gmo_api_key is None
    assert s.secret_sources.gmo_api_key is SecretSource.ABSENT


def test_prefixed_secret_names_are_not_a_back_door(tmp_path: Path) -> None:
    s = load_settings(
        _env(tmp_path, TRADINGBOT_GMO_API_KEY="x", TRADINGBOT_SECRET_SOURCES='{"gmo_api_key":"file"}')
    )
    assert s.gmo_api_key is None
    assert s.secret_sources.gmo_api_key is SecretSource.ABSENT


@pytest.mark.parametrize("content", ["", "\n", "   \n"])
def test_empty_secret_file_names_the_path(tmp_path: Path, content: str) -> None:
    _write_secrets(tmp_path, gmo_api_secret=content)
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path))
    assert str(tmp_path / "secrets" / "gmo_api_secret") in str(info.value)
    assert "empty" in str(info.value)


def test_unreadable_secret_file_names_the_path_not_the_content(tmp_path: Path) -> None:
    _write_secrets(tmp_path, gmo_api_key=KEY)
    path = tmp_path / "secrets" / "gmo_api_key"
    path.chmod(0)
    try:
        if path.read_bytes():  # running as root: permissions do not apply
            pytest.skip("file permissions are not enforced for this user")
    except PermissionError:
        pass
    try:
        with pytest.raises(ConfigError) as info:
            load_settings(_env(tmp_path))
    finally:
        path.chmod(0o600)
    assert str(path) in str(info.value)
    assert KEY not in str(info.value)


def test_secret_file_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "secrets" / "gmo_api_key").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory"):
        load_settings(_env(tmp_path))


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TRADINGBOT_MODE", "sandbox", "'paper' or 'live'"),
        ("TRADINGBOT_HTTP_PORT", "0", "greater than or equal to 1"),
        ("TRADINGBOT_HTTP_PORT", "65536", "less than or equal to 65535"),
        ("TRADINGBOT_HTTP_PORT", "http", "valid integer"),
        ("TRADINGBOT_SYMBOL", "btc_jpy", "like BTC_JPY"),
        ("TRADINGBOT_SYMBOL", "BTCJPY", "like BTC_JPY"),
        ("TRADINGBOT_RISK__MAX_DRAWDOWN", "0", "greater than 0"),
        ("TRADINGBOT_RISK__DAILY_LOSS_LIMIT", "-5", "greater than 0"),
        ("TRADINGBOT_RISK__MAX_LEVERAGE", "lots", "decimal"),
        ("TRADINGBOT_STRATEGY__FAST_WINDOW", "50", "must be smaller than TRADINGBOT_STRATEGY__SLOW_WINDOW"),
        ("TRADINGBOT_RATE__GET_PER_SECOND", "0", "greater than or equal to 1"),
        ("TRADINGBOT_DAILY_RESET_TZ", "Mars/Olympus", "IANA timezone"),
        ("TRADINGBOT_LOG_LEVEL", "loud", "DEBUG|INFO"),
        ("TRADINGBOT_SIM_URL", "ftp://x", "http://127.0.0.1:8080"),
        ("TRADINGBOT_LIVE_ENABLED", "maybe", "valid boolean"),
        ("AUDIT_LOG_MAX_BYTES", "10", ">= 1024"),
        ("AUDIT_LOG_RETENTION", "0", "1..1000"),
    ],
)
def test_bad_values_are_named_with_what_is_accepted(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, **{name: value}))
    message = str(info.value)
    assert name in message
    assert value in message
    assert expected in message


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, TRADINGBOT_MODE="x", TRADINGBOT_HTTP_PORT="0", AUDIT_LOG_RETENTION="0"))
    assert len(info.value.problems) == 3


def test_live_refused_without_opt_in_and_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, TRADINGBOT_MODE="live"))
    message = str(info.value)
    assert "live mode refused" in message
    assert "TRADINGBOT_LIVE_ENABLED=true" in message
    assert "GMO_API_KEY" in message
    assert "GMO_API_SECRET" in message


def test_live_refused_with_secrets_but_no_opt_in(tmp_path: Path) -> None:
    _write_secrets(tmp_path, gmo_api_key=KEY, gmo_api_secret=SECRET)
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, TRADINGBOT_MODE="live"))
    assert "TRADINGBOT_LIVE_ENABLED=true" in str(info.value)
    assert "GMO_API_KEY" not in str(info.value)
    assert KEY not in str(info.value)
    assert SECRET not in str(info.value)


def test_live_refused_with_opt_in_but_one_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, TRADINGBOT_MODE="live", TRADINGBOT_LIVE_ENABLED="true", GMO_API_KEY=KEY))
    assert "gmo_api_secret" in str(info.value)
    assert "LIVE_ENABLED" not in str(info.value)
    assert KEY not in str(info.value)


def test_live_accepted_with_opt_in_and_both_secrets(tmp_path: Path) -> None:
    _write_secrets(tmp_path, gmo_api_key=KEY)
    s = load_settings(
        _env(tmp_path, TRADINGBOT_MODE="LIVE", TRADINGBOT_LIVE_ENABLED="true", GMO_API_SECRET=SECRET)
    )
    assert s.mode is Mode.LIVE


def test_describe_shows_sources_never_values(tmp_path: Path) -> None:
    _write_secrets(tmp_path, gmo_api_key=KEY, gmo_api_secret=SECRET)
    s = load_settings(_env(tmp_path, DISCORD_WEBHOOK_URL=WEBHOOK))
    described = describe(s)
    text = json.dumps(described)
    for planted in (KEY, SECRET, WEBHOOK, "planted-token-5d2e"):
        assert planted not in text
    assert described["secrets"] == {
        "gmo_api_key": {"present": True, "source": "file"},
        "gmo_api_secret": {"present": True, "source": "file"},
        "discord_webhook_url": {"present": True, "source": "env"},
    }
    assert described["risk"]["max_drawdown"] == "0.10"
    assert described["http_port"] == 9754
    assert KEY not in repr(s)
    assert KEY not in str(s)
