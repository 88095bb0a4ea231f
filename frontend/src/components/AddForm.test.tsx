import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ApiError } from "../lib/api";
import { AddForm } from "./AddForm";

beforeEach(() => sessionStorage.clear());

async function fill(values: Record<string, string>) {
  for (const [label, value] of Object.entries(values)) {
    const input = screen.getByLabelText(label);
    await userEvent.clear(input);
    if (value) await userEvent.type(input, value);
  }
}

test("client-side rules match the API's and nothing is sent while they fail", async () => {
  const submit = vi.fn();
  render(<AddForm onSubmit={submit} />);
  await fill({ Title: "   ", Genre: "Drama", Rating: "7.25", Year: "2101" });
  await userEvent.click(screen.getByRole("button", { name: "Add movie" }));
  expect(screen.getByText("Enter a title.")).toBeInTheDocument();
  expect(screen.getByText("Use at most one decimal, like 7.5.")).toBeInTheDocument();
  expect(screen.getByText("The year must be between 1900 and 2100.")).toBeInTheDocument();
  expect(screen.getByLabelText("Rating")).toHaveAttribute("aria-invalid", "true");
  expect(submit).not.toHaveBeenCalled();
});

test("a valid movie is sent trimmed and the form is cleared", async () => {
  const submit = vi.fn().mockResolvedValue(undefined);
  render(<AddForm onSubmit={submit} />);
  await fill({ Title: "  Night Train ", Genre: "Drama", Rating: "10", Year: "2100" });
  await userEvent.click(screen.getByRole("button", { name: "Add movie" }));
  expect(submit).toHaveBeenCalledWith({ title: "Night Train", genre: "Drama", rating: 10, year: 2100 });
  expect(screen.getByLabelText("Title")).toHaveValue("");
});

test("the API's 400 details are shown next to their fields", async () => {
  const submit = vi.fn().mockRejectedValue(
    new ApiError("Invalid movie: rating must be at most 10.", 400, "VALIDATION_ERROR", [
      { field: "rating", message: "must be at most 10" },
    ]),
  );
  render(<AddForm onSubmit={submit} />);
  await fill({ Title: "A", Genre: "B", Rating: "9.9", Year: "2000" });
  await userEvent.click(screen.getByRole("button", { name: "Add movie" }));
  expect(await screen.findByText("Rating must be at most 10.")).toBeInTheDocument();
});

test("what was typed survives a reload (e.g. after the session expired)", async () => {
  const { unmount } = render(<AddForm onSubmit={vi.fn()} />);
  await fill({ Title: "Half typed", Genre: "", Rating: "", Year: "" });
  unmount();
  render(<AddForm onSubmit={vi.fn()} />);
  expect(screen.getByLabelText("Title")).toHaveValue("Half typed");
});
