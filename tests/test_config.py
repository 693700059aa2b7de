import pytest

from kiosk.cli import main
from kiosk.config import ConfigError, KioskConfig, load_config


def test_defaults_run_the_demo_with_no_file():
    config = load_config(environ={})
    assert config == KioskConfig()
    assert config.device.id == "demo-kiosk-01"
    assert config.catalog.path.name == "demo.json" and config.catalog.path.exists()


def test_file_and_environment_overrides(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[device]\nid = "shop7-k2"\n[checkout]\nmax_shopper_attempts = 3\n')
    env = {
        "KIOSK__CHECKOUT__UNATTENDED_AFTER_S": "120",
        "KIOSK__UI__LANGUAGE": "en",
        "KIOSK__STORE__DATA_DIR": "/srv/kiosk",
        "OTHER": "ignored",
    }
    config = load_config(path, environ=env)
    assert config.device.id == "shop7-k2"
    assert config.checkout.max_shopper_attempts == 3
    assert config.checkout.unattended_after_s == 120.0
    assert config.ui.language == "en"
    assert str(config.store.database_path) == "/srv/kiosk/kiosk.sqlite"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[store]\nmax_db_mb = -1\n", "store.max_db_mb: Input should be greater than 0"),
        ("[ui]\nlanguage = 'fr'\n", "ui.language: Input should be 'zh_CN' or 'en'"),
        ("[device]\nid = 'bad id!'\n", "device.id: String should match pattern"),
        ("[devise]\nid = 'x'\n", "devise: Extra inputs are not permitted"),
        ("[payment]\ntype = 'bank'\n", "payment.type"),
        ("[device\nid = 1", "is not valid TOML"),
    ],
)
def test_errors_name_the_key_and_what_was_expected(tmp_path, toml, message):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_config_check_command(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text('[device]\nid = "k9"\n')
    assert main(["config", "check", str(good)]) == 0
    assert "good.toml: ok" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[checkout]\nmax_shopper_attempts = 'two'\n")
    assert main(["config", "check", str(bad)]) == 2
    assert "checkout.max_shopper_attempts" in capsys.readouterr().err


def test_the_shipped_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "packaging" / "kiosk.example.toml"
    config = load_config(example, environ={})
    assert config.device.id == "shop7-k2" and config.ui.fullscreen
    assert config.scale.type == "mtsics" and config.camera.source.startswith("/dev/v4l/by-id/")
    assert config.printer is not None and config.scanner.type == "serial"
