// The search field's title suggestions (issue 27): an ARIA 1.2 combobox. Typing (2+ characters, after a
// 200 ms pause) asks the API for 8 titles; a newer request aborts the older one, so a slow answer for
// "bl" never replaces the one for "bloom". ArrowDown/ArrowUp move through the list, Enter opens the
// highlighted movie, Escape closes the list (and keeps the text).
import { type InputHTMLAttributes, type KeyboardEvent, type Ref, useEffect, useRef, useState } from "react";
import { api, type Movie, query, type SearchResult } from "../lib/api";
import { navigate } from "../lib/router";

export const SUGGEST_MS = 200;
export const SUGGEST_LIMIT = 8;
export const SUGGEST_MIN = 2;

export function TitleSuggest({ value, onChange, inputRef, from, ...input }: {
  value: string;
  onChange: (value: string) => void;
  inputRef?: Ref<HTMLInputElement>;
  from: string; // the list the detail page's back link returns to
} & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  const [options, setOptions] = useState<Movie[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const typed = useRef(false); // only what the person types asks for suggestions (not a link or Back)
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => {
    const term = value.trim();
    if (!typed.current || term.length < SUGGEST_MIN) {
      inFlight.current?.abort();
      setOpen(false);
      setOptions([]);
      return;
    }
    const timer = setTimeout(() => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      api<SearchResult>(`/movies/search${query({ title: term, limit: SUGGEST_LIMIT })}`, { signal: controller.signal })
        .then((result) => {
          if (controller.signal.aborted || !typed.current) return; // answered after the field was left
          setOptions(result.movies);
          setActive(-1);
          setOpen(result.movies.length > 0);
        }, () => undefined); // suggestions are a help: a failure just shows none
    }, SUGGEST_MS);
    return () => clearTimeout(timer);
  }, [value]);

  useEffect(() => () => inFlight.current?.abort(), []);

  const close = () => {
    setOpen(false);
    setActive(-1);
  };
  const choose = (movie: Movie) => {
    close();
    typed.current = false;
    navigate(`/movies/${movie.id}?from=${encodeURIComponent(from)}`);
  };

  const keyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length > 0) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setOpen(true);
      setActive((i) => (!open && step === 1 ? 0 : (i + step + options.length) % options.length));
    } else if (event.key === "Escape" && open) {
      event.preventDefault(); // a search field's Escape would also clear the text
      close();
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault(); // opens the movie instead of sending the search
      choose(options[active]);
    } else if (event.key === "Enter") {
      close(); // the search itself is sent
    }
  };

  const shown = open && options.length > 0;
  return (
    <div className="combobox">
      <input {...input} ref={inputRef} value={value} role="combobox" aria-autocomplete="list" aria-expanded={shown}
        aria-controls="title-suggestions" aria-activedescendant={shown && active >= 0 ? `title-option-${active}` : undefined}
        onChange={(e) => {
          typed.current = true;
          onChange(e.target.value);
        }}
        onKeyDown={keyDown}
        onBlur={(e) => {
          close();
          typed.current = false;
          inFlight.current?.abort();
          input.onBlur?.(e);
        }} />
      <ul id="title-suggestions" role="listbox" aria-label="Suggested titles" className="listbox" hidden={!shown}>
        {shown &&
          options.map((movie, i) => (
            <li key={movie.id} id={`title-option-${i}`} role="option" aria-selected={i === active}
              // mousedown, not click: the input keeps focus, so its blur does not close the list first
              onMouseDown={(e) => {
                e.preventDefault();
                choose(movie);
              }}>
              <span className="option-title">{movie.title}</span> <span className="muted">{[movie.year, movie.genre].filter(Boolean).join(" · ")}</span>
            </li>
          ))}
      </ul>
      <span className="visually-hidden" role="status">
        {shown ? `${options.length} ${options.length === 1 ? "title" : "titles"} suggested; arrow keys to choose, Enter to open.` : ""}
      </span>
    </div>
  );
}
