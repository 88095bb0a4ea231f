"""A large synthetic library for the benchmarks, written with COPY."""

from __future__ import annotations

import io
import random

import psycopg2.extensions

ADJECTIVES = (
    "Silent",
    "Crimson",
    "Golden",
    "Hidden",
    "Broken",
    "Frozen",
    "Electric",
    "Wild",
    "Lost",
    "Quiet",
    "Burning",
    "Hollow",
    "Iron",
    "Velvet",
    "Neon",
    "Distant",
    "Bitter",
    "Secret",
    "Restless",
    "Pale",
    "Savage",
    "Gentle",
    "Endless",
    "Fallen",
    "Brave",
    "Silver",
    "Midnight",
    "Scarlet",
    "Lonely",
    "Shattered",
    "Wandering",
    "Emerald",
    "Crooked",
    "Faded",
    "Glass",
    "Paper",
    "Stone",
    "Northern",
    "Southern",
)
NOUNS = (
    "River",
    "Harbor",
    "Empire",
    "Garden",
    "Signal",
    "Horizon",
    "Orchard",
    "Kingdom",
    "Machine",
    "Lantern",
    "Station",
    "Mirror",
    "Forest",
    "Canyon",
    "Echo",
    "Voyage",
    "Tide",
    "Summit",
    "Ember",
    "Frontier",
    "Meadow",
    "Circuit",
    "Prairie",
    "Island",
    "Shadow",
    "Compass",
    "Archive",
    "Cathedral",
    "Desert",
    "Galaxy",
    "Reef",
    "Citadel",
    "Bridge",
    "Valley",
    "Thunder",
    "Winter",
    "Comet",
    "Fortress",
    "Ocean",
)
NULL = "\\N"  # COPY's text-format NULL
GENRES = (
    "Drama",
    "Comedy",
    "Action",
    "Thriller",
    "Romance",
    "Sci-Fi",
    "Horror",
    "Documentary",
    "Animation",
    "Fantasy",
    "Mystery",
    "Western",
    "War",
    "Crime",
    "Family",
    "Musical",
    "Biography",
    "History",
    "Sport",
    "Adventure",
)


def rows(count: int, seed: int = 7):
    rnd = random.Random(seed)
    for i in range(count):
        title = f"{rnd.choice(ADJECTIVES)} {rnd.choice(NOUNS)} {i}"
        rating = None if i % 50 == 0 else round(rnd.uniform(1, 10), 1)
        year = None if i % 70 == 0 else rnd.randint(1920, 2025)
        yield title, rnd.choice(GENRES), rating, year


def load(conn: psycopg2.extensions.connection, count: int, chunk: int = 200_000) -> None:
    generator = rows(count)
    with conn, conn.cursor() as cur:
        while True:
            buf = io.StringIO()
            n = 0
            for title, genre, rating, year in generator:
                fields = (title, genre, NULL if rating is None else str(rating), NULL if year is None else str(year))
                buf.write("\t".join(fields) + "\n")
                n += 1
                if n == chunk:
                    break
            if not n:
                break
            buf.seek(0)
            cur.copy_expert("COPY movies (title, genre, rating, year) FROM STDIN", buf)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE movies")
    conn.autocommit = False
