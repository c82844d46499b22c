"""The fonts placepix offers by name, where each comes from and under which licence. Data only:
`placepix.text.fonts.FontLibrary` reads it at start-up.

A name is a key of `CATALOGUE` (or of `ALIASES`), never part of a path: discovery looks for the
entry's `files` in the bundled directory, the `font_dirs` setting and the system font
directories, and takes the first that passes the checks of `placepix.text.vetting`.

Bundled files (`placepix/fonts/`, shipped in the wheel) are upstream's release files, unchanged,
each with its licence file beside it; `upstream` names the repository, commit and path they were
taken from. Every bundled file draws its `weight` as it stands: a static file of that weight, or
a variable font whose default instance is that weight (the text engine sets its `wght` axis to
it as well). Where an upstream variable font's default instance is another weight (Montserrat,
Source Sans 3 and Yanone Kaffeesatz default to their lightest), the static release file is
bundled instead; tests/test_catalogue.py checks both rules against the files. Sizes and
choices: docs/fonts.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# SPDX identifiers of the licences a bundled font may have, and what each licence file says.
BUNDLED_LICENCES = MappingProxyType(
    {
        "OFL-1.1": "SIL Open Font License, Version 1.1",
        "Apache-2.0": "Apache License, Version 2.0",
    }
)


@dataclass(frozen=True)
class Entry:
    """One font name: `family` is what SVG output names; `files` are tried in order (the
    bundled file first); `licence` is an SPDX identifier; `upstream` says where the file comes
    from (a repository at a commit for bundled files, the Debian package otherwise)."""

    family: str
    files: tuple[str, ...]
    licence: str
    upstream: str
    licence_file: str | None = None  # bundled fonts only: the licence beside the file
    weight: int = 400  # the weight drawn (OS/2 weight class, or the default `wght`)


def _github(repository: str, commit: str, path: str) -> str:
    return f"https://github.com/{repository}/blob/{commit}/{path}"


CATALOGUE: Mapping[str, Entry] = MappingProxyType(
    {
        # Bundled: the default and every name placehold.co and fakeimg.pl offer.
        "lato": Entry(
            "Lato",
            ("Lato-Regular.ttf",),
            "OFL-1.1",
            "Debian fonts-lato 2.0-2.1 (Lato 2.007, https://www.latofonts.com/)",
            "Lato-OFL.txt",
        ),
        "montserrat": Entry(
            "Montserrat",
            ("Montserrat-Regular.otf", "Montserrat-Regular.ttf"),
            "OFL-1.1",
            _github(
                "googlefonts/Montserrat",  # Google Fonts' repository of JulietaUla/Montserrat
                "519eaacea077aa154be5ff45fa83380ba4954a9b",
                "fonts/otf/Montserrat-Regular.otf",
            ),
            "Montserrat-OFL.txt",
        ),
        "poppins": Entry(
            "Poppins",
            ("Poppins-Regular.otf", "Poppins-Regular.ttf"),
            "OFL-1.1",
            _github(
                "itfoundry/Poppins",
                "311d7fa87bdf7cd5cc4210a91bac56d5512a3013",
                "products/Poppins-4.003-GoogleFonts-OTF.zip",  # Poppins-Regular.otf in it
            ),
            "Poppins-OFL.txt",
        ),
        "raleway": Entry(
            "Raleway",
            ("Raleway-v4020-Regular.otf", "Raleway-Regular.otf", "Raleway-Regular.ttf"),
            "OFL-1.1",
            _github(
                "impallari/Raleway",
                "6c67ab1f7aa65c442bd2745bb9d4ef1cd7bc01fa",
                "fonts/v4020/Raleway-v4020-Regular.otf",
            ),
            "Raleway-OFL.txt",
        ),
        "oswald": Entry(
            "Oswald",
            ("Oswald[wght].ttf", "Oswald-Regular.ttf"),
            "OFL-1.1",
            _github(
                "googlefonts/OswaldFont",
                "e94d8f3604e713dec574aa13a69141f3e24599d9",
                "fonts/variable/Oswald[wght].ttf",
            ),
            "Oswald-OFL.txt",
        ),
        "lora": Entry(
            "Lora",
            ("Lora[wght].ttf", "Lora-Regular.ttf"),
            "OFL-1.1",
            _github(
                "cyrealtype/Lora-Cyrillic",
                "990d096770ec849579270d3031e1b84ea32e1272",
                "fonts/variable/Lora[wght].ttf",
            ),
            "Lora-OFL.txt",
        ),
        "playfair-display": Entry(
            "Playfair Display",
            ("PlayfairDisplay-Regular.otf", "PlayfairDisplay-Regular.ttf"),
            "OFL-1.1",
            _github(
                "clauseggers/Playfair-Display",
                "6e115d70ee7ff6ed887babf3829ccd1de65fd2bd",
                "fonts/CFF/PlayfairDisplay-Regular.otf",
            ),
            "PlayfairDisplay-OFL.txt",
        ),
        "source-sans-3": Entry(
            "Source Sans 3",
            ("SourceSans3-Regular.otf", "SourceSans3-Regular.ttf", "SourceSansPro-Regular.ttf"),
            "OFL-1.1",
            _github(
                "adobe-fonts/source-sans",
                "7c691c2772570a0d3a9e1bffe8a9d6074257d985",
                "OTF/SourceSans3-Regular.otf",
            ),
            "SourceSans3-LICENSE.md",
        ),
        "bebas-neue": Entry(
            "Bebas Neue",
            ("BebasNeue-Regular.otf", "BebasNeue-Regular.ttf"),
            "OFL-1.1",
            _github(
                "dharmatype/Bebas-Neue",
                "94256aae3ca1a5107a1d26c1f717d830a74b609d",
                "fonts/BebasNeue(2018)ByDhamraType/otf/BebasNeue-Regular.otf",
            ),
            "BebasNeue-OFL.txt",
        ),
        "lobster": Entry(
            "Lobster",
            ("Lobster-Regular.otf", "Lobster-Regular.ttf"),
            "OFL-1.1",
            _github(
                "impallari/The-Lobster-Font",
                "0796aa8aa42f6cbc89fa61be4a2a12fdcd2b8998",
                "fonts/otf/Lobster-Regular.otf",
            ),
            "Lobster-OFL.txt",
        ),
        "yanone-kaffeesatz": Entry(  # Bold: the weight fakeimg.pl draws `yanone` (its default) in
            "Yanone Kaffeesatz",
            ("YanoneKaffeesatz-Bold.otf", "YanoneKaffeesatz-Bold.ttf"),
            "OFL-1.1",
            _github(
                "alexeiva/yanone-kaffeesatz",
                "1da49356a388c67da5b51d54fd6ad5a686d96c46",
                "fonts/otf/YanoneKaffeesatz-Bold.otf",
            ),
            "YanoneKaffeesatz-OFL.txt",
            weight=700,
        ),
        "roboto-slab": Entry(  # the stand-in for fakeimg.pl's `museo`, see STAND_INS
            "Roboto Slab",
            ("RobotoSlab[wght].ttf", "RobotoSlab-Regular.ttf"),
            "Apache-2.0",
            _github(
                "googlefonts/robotoslab",
                "1be6141f85b68b48c06ccac50d234302d6e59643",
                "fonts/variable/RobotoSlab[wght].ttf",
            ),
            "RobotoSlab-LICENSE.txt",
        ),
        # From Debian's font packages (deploy/apt-packages.txt) when installed.
        "noto-sans": Entry(
            "Noto Sans", ("NotoSans-Regular.ttf",), "OFL-1.1", "Debian fonts-noto-core"
        ),
        "noto-serif": Entry(
            "Noto Serif", ("NotoSerif-Regular.ttf",), "OFL-1.1", "Debian fonts-noto-core"
        ),
        "open-sans": Entry(
            "Open Sans", ("OpenSans-Regular.ttf",), "Apache-2.0", "Debian fonts-open-sans"
        ),
        "roboto": Entry(
            "Roboto", ("Roboto-Regular.ttf",), "Apache-2.0", "Debian fonts-roboto-unhinted"
        ),
        "pt-sans": Entry(
            "PT Sans",
            ("PTSans-Regular.ttf", "PTS55F.ttf"),
            "LicenseRef-ParaType-Free-Font-License",
            "Debian fonts-paratype",
        ),
        "dejavu-sans": Entry(
            "DejaVu Sans", ("DejaVuSans.ttf",), "Bitstream-Vera", "Debian fonts-dejavu-core"
        ),
        "inter": Entry(
            "Inter", ("Inter-Regular.otf", "Inter-Regular.ttf"), "OFL-1.1", "Debian fonts-inter"
        ),
    }
)

# Other spellings, and the names other services use for a font placepix has under its own name.
ALIASES = MappingProxyType(
    {
        "noto": "noto-sans",
        "opensans": "open-sans",
        "sans": "noto-sans",
        "serif": "noto-serif",
        "source-sans-pro": "source-sans-3",  # placehold.co; Adobe renamed the family in 2021
        "source-sans": "source-sans-3",
        "bebas": "bebas-neue",  # fakeimg.pl
        "yanone": "yanone-kaffeesatz",  # fakeimg.pl
        "museo": "roboto-slab",  # fakeimg.pl, a stand-in: see STAND_INS
    }
)

# Aliases drawn with another design, because the font the other service uses has no free licence.
STAND_INS = MappingProxyType(
    {
        "museo": (
            "fakeimg.pl draws `museo` with Museo Slab 500 (exljbris), which has no free licence; "
            "placepix draws it with Roboto Slab, the freely licensed slab serif closest to it in "
            "glyph shape, width and weight (docs/fonts.md)"
        ),
    }
)

# After the chosen font, characters it lacks are looked up in these, in order: the priority
# fonts, every other installed Noto script (NOTO_SCRIPT), then the last ones.
PRIORITY_FALLBACKS = (
    "NotoSans-Regular.ttf",
    "NotoSansCJK-Regular.ttc",
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansThai-Regular.ttf",
)
NOTO_SCRIPT = re.compile(r"NotoSans[A-Z][A-Za-z]*-Regular\.ttf")
LAST_FALLBACKS = (
    "NotoColorEmoji.ttf",
    "DejaVuSans.ttf",
    "NotoSansSymbols-Regular.ttf",
    "NotoSansSymbols2-Regular.ttf",
    "NotoSansMath-Regular.ttf",
)
COLOR_FONT_MARK = "ColorEmoji"  # a file name with this in it is a colour bitmap font
