"""The bot's one compiled module: the validated public-frame decoder (see venues/gmo/_wirescan.c).

Everything else is in pyproject.toml. The extension is optional so a machine without a C compiler still
installs the bot (it then decodes in pure Python, ~2.5x slower); the image build and ``make test`` require it.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tradingbot.venues.gmo._wirescan",
            ["src/tradingbot/venues/gmo/_wirescan.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"],
            optional=True,
        )
    ]
)
