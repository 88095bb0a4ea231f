// The genre field: an ARIA 1.2 combobox over the library's genres. Typing filters the list (genres
// starting with the text first); ArrowUp/Down move through it; Enter or Tab takes the highlighted
// genre (Tab also completes a unique prefix: "Thr" → "Thriller"); Escape closes the list.
import { type KeyboardEvent, useState } from "react";
import { genreKey, genreMatches } from "../lib/validation";

export function GenreCombobox({ value, onChange, genres, describedBy, invalid }: {
  value: string;
  onChange: (value: string) => void;
  genres: string[];
  describedBy: string;
  invalid: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const matches = genreMatches(value, genres);
  const exact = matches.length === 1 && genreKey(matches[0]) === genreKey(value);
  const shown = open && matches.length > 0 && !exact;

  const choose = (genre: string) => {
    onChange(genre);
    setOpen(false);
    setActive(-1);
  };

  const keyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!matches.length) return;
      setOpen(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (i + step + matches.length) % matches.length);
    } else if (event.key === "Escape" && shown) {
      event.preventDefault();
      setOpen(false);
      setActive(-1);
    } else if (event.key === "Enter" && shown && active >= 0) {
      event.preventDefault(); // takes the genre; a second Enter sends the form
      choose(matches[active]);
    } else if (event.key === "Tab" && shown && !event.shiftKey) {
      const prefixed = matches.filter((g) => genreKey(g).startsWith(genreKey(value)));
      if (active >= 0) choose(matches[active]);
      else if (value.trim() && prefixed.length === 1) choose(prefixed[0]);
    }
  };

  return (
    <div className="combobox">
      <input id="movie-genre" name="genre" value={value} autoComplete="off" role="combobox"
        aria-autocomplete="list" aria-expanded={shown} aria-controls="genre-suggestions"
        aria-activedescendant={shown && active >= 0 ? `genre-option-${active}` : undefined}
        aria-invalid={invalid} aria-describedby={describedBy}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={keyDown} />
      <ul id="genre-suggestions" role="listbox" aria-label="Suggestions" className="listbox" hidden={!shown}>
        {shown &&
          matches.map((genre, i) => (
            <li key={genre} id={`genre-option-${i}`} role="option" aria-selected={i === active}
              // mousedown, not click: the input keeps focus, so its blur does not close the list first
              onMouseDown={(e) => {
                e.preventDefault();
                choose(genre);
              }}>
              {genre}
            </li>
          ))}
      </ul>
    </div>
  );
}
