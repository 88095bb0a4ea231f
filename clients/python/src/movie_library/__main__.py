"""`python -m movie_library` is the `movie-library` command."""

import sys

from movie_library.cli import main

sys.exit(main())
