"""Taxonomy (verschijningsvorm, kwetsbaar proces, locatietype, kanaal, afdeling), editable by the functioneel beheerder."""
