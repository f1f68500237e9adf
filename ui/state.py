"""The page owns its form: one frozen form per page, kept for the session and in the URL.

Streamlit keeps a widget's value only while its page is shown, so a form made of plain
widgets changes behind the user's back when they visit another page. Here a page's
form (a `core.forms.Form`) lives in the session under the page's name and is the one
source of truth:

- widgets are drawn from it (`PageForm.widget`) and write to it when the user changes
  them (their `on_change`), so leaving the page and coming back finds it unchanged;
- it is written into the page's query parameters on every run, so a reload, a
  bookmark or a shared link reopens exactly that form;
- a link's bad values each get one short warning and fall back field by field;
- a run's link (`?run=<key>`) fills the form with that run's configuration;
- lesson links hide controls: `<field>_hide=true` for one, `only=a,b` for all but
  those, `hide_text=true` for the explanations (as TensorFlow Playground's `*_hide`
  and `hideText`).

A page binds its form once at its top: `form = state.bind("classification", ...)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core import forms, jobs, runs
from core.forms import Form

RUN_PARAM = "run"  # the run a page shows or follows (ui.run_view writes it)
OWNER_PARAM = "by"  # the session that started the run (ui.run_view)
KEPT_PARAMS = (RUN_PARAM, OWNER_PARAM)  # not the form's, kept when the form rewrites the URL
HIDE_SUFFIX = "_hide"
ONLY_PARAM = "only"
HIDE_TEXT_PARAM = "hide_text"
WORD_JOINER = "\u2060"  # invisible, and no line break at it
SHOWN_PAGE = "state.page"  # the page shown last: see `note_page`
WRITTEN_KEPT = 50  # URLs remembered per page to tell a browser's lagging URL from a link


def plain_markdown(text: str) -> str:
    """`text` escaped so that `st.warning` and the like show it as it is: a link's
    values are the visitor's (or whoever sent the link), so none of them may turn into
    a link, an image, a heading or coloured text. Every ASCII punctuation mark gets a
    backslash and line breaks become spaces. Escapes do not stop the browser's
    markdown from making a link of a bare address (`http://…`, `www.…`, `name@host`),
    so an invisible word joiner goes after each `:` and `@` and into each `www`: the
    text reads the same and is no address any more."""
    escaped = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))
    escaped = re.sub(r"(?i)w(?=ww)", lambda match: match.group(0) + WORD_JOINER, escaped)
    return escaped.replace(":", ":" + WORD_JOINER).replace("@", "@" + WORD_JOINER)


@dataclass(frozen=True)
class View:
    """What a lesson link hides: controls by name, and the explanatory text."""

    hidden: frozenset[str] = frozenset()
    hide_text: bool = False

    def to_params(self) -> dict[str, str]:
        params = {f"{name}{HIDE_SUFFIX}": "true" for name in sorted(self.hidden)}
        if self.hide_text:
            params[HIDE_TEXT_PARAM] = "true"
        return params


def read_view(params: dict[str, str], names: tuple[str, ...], warnings: list[str]) -> View:
    """The hide flags of a link, for controls named `names`; a bad one warns."""
    hidden = set()
    for key, text in params.items():
        if not key.endswith(HIDE_SUFFIX):
            continue
        name = key[: -len(HIDE_SUFFIX)]
        if name not in names:
            warnings.append(
                f"Ignored `{forms.echo(key)}` from the link: this page has no control `{forms.echo(name)}`."
            )
        elif text.lower() in ("true", "1", ""):
            hidden.add(name)
        elif text.lower() not in ("false", "0"):
            warnings.append(f"Ignored `{key}={forms.echo(text)}` from the link: expected true or false.")
    if ONLY_PARAM in params:
        shown = [name.strip() for name in params[ONLY_PARAM].split(",") if name.strip()]
        unknown = [name for name in shown if name not in names]
        if unknown:
            warnings.append(
                f"Ignored `{ONLY_PARAM}={forms.echo(params[ONLY_PARAM])}` from the link: this page has no control "
                f"`{forms.echo(unknown[0])}`; its controls are {', '.join(names)}."
            )
        else:
            hidden |= set(names) - set(shown)
    text = params.get(HIDE_TEXT_PARAM, "false").lower()
    if text not in ("true", "false", "1", "0", ""):
        warnings.append(f"Ignored `{HIDE_TEXT_PARAM}={forms.echo(text)}` from the link: expected true or false.")
    return View(frozenset(hidden), text in ("true", "1", ""))


def _is_own(key: str, names: tuple[str, ...]) -> bool:
    return key in names or key.endswith(HIDE_SUFFIX) or key in (ONLY_PARAM, HIDE_TEXT_PARAM)


class PageForm:
    """A page's form as it is bound for one script run; see `bind`."""

    def __init__(self, page: str, cls: type, default: Form, controls: tuple[str, ...], from_run=None):
        self.page = page
        self.cls = cls
        self.default = default
        self.controls = forms.field_names(cls) + controls
        self.from_run = from_run  # a run's config -> the form that describes it

    # --- the form --------------------------------------------------------------------

    @property
    def value(self) -> Form:
        """The form as it is now."""
        return st.session_state[f"{self.page}.form"]

    def set(self, **changes) -> None:
        """Changes fields (from a callback, or before the widgets are drawn) and puts
        the result in the URL. Raises `ValueError` for a value of the wrong kind."""
        self.replace(self.value.replace(**changes))

    def replace(self, form: Form) -> None:
        """Makes `form` the page's form (a preset, a run opened from a link)."""
        st.session_state[f"{self.page}.form"] = form
        self.write_url()

    @property
    def view(self) -> View:
        return st.session_state.get(f"{self.page}.view", View())

    def hidden(self, name: str) -> bool:
        """Whether the link asked to hide control `name`."""
        return name in self.view.hidden

    def shown(self, *names: str) -> bool:
        """Whether any of these controls is shown: a section whose controls a lesson
        link all hides drops its heading too."""
        return any(not self.hidden(name) for name in names)

    def markdown(self, text: str, **kwargs) -> None:
        """Explanatory text, unless the link hides it (`hide_text=true`)."""
        if not self.view.hide_text:
            st.markdown(text, **kwargs)

    def caption(self, text: str, **kwargs) -> None:
        if not self.view.hide_text:
            st.caption(text, **kwargs)

    # --- the URL ---------------------------------------------------------------------

    def write_url(self) -> None:
        """Puts the form (and the view's hide flags) into the page's query parameters."""
        params = {**forms.to_params(self.value), **self.view.to_params()}
        current = st.query_params.to_dict()
        params.update({key: current[key] for key in KEPT_PARAMS if key in current})
        own = _own(params, self.controls)
        st.session_state[f"{self.page}.url"] = own
        written = st.session_state.setdefault(f"{self.page}.written", [])
        if own not in written:
            written.append(own)
            del written[:-WRITTEN_KEPT]
        st.session_state[f"{self.page}.run"] = params.get(RUN_PARAM)
        if current != params:
            st.query_params.from_dict(params)

    # --- widgets ---------------------------------------------------------------------

    def widget_key(self, name: str) -> str:
        return f"{self.page}.{name}"

    def widget(
        self,
        name: str,
        render: Callable[..., Any],
        *args,
        to_widget: Callable[[Any], Any] | None = None,
        from_widget: Callable[[Any], dict] | None = None,
        control: str | None = None,
        key: str | None = None,
        **kwargs,
    ) -> Any:
        """Draws a widget for form field `name` (unless the link hides it) and returns
        the field's value.

        Args:
            name: the form field; also the widget's key, under the page's name.
            render: the Streamlit widget function (`st.number_input`, a column's
                `selectbox`, ...), called with `*args`, `**kwargs`, `key` and `on_change`.
            to_widget: the field's value as the widget shows it. Defaults to the value.
            from_widget: the widget's value as the fields it sets (`{name: value}`).
                Defaults to `{name: value}`.
            control: the name a link hides it by. Defaults to `name`.
            key: the widget's key under the page's name, for a field drawn by several
                widgets (one per layer, say). Defaults to `name`.
        """
        value = getattr(self.value, name) if hasattr(self.value, name) else None
        if self.hidden(control or name):
            return value
        key = self.widget_key(key or name)
        shown = to_widget(value) if to_widget else value
        if key in st.session_state and st.session_state[key] != shown:
            st.session_state[key] = shown  # the form wins: a preset, a link, a run to train again
        # The form's value is also the widget's default: a browser that mounts the field
        # afresh (a direct open, a page switch) shows the default, not a value set
        # through the session, and Enter would submit it.
        kwargs.update(_default_argument(render, args, kwargs, shown))
        render(*args, key=key, on_change=self._changed, args=(key, name, from_widget), **kwargs)
        return getattr(self.value, name) if hasattr(self.value, name) else value

    def tabs(self, name: str, sections: dict[str, tuple[str, Callable[[], Any]]], *, lazy: bool = False) -> None:
        """Tabs for field `name`, whose options are the keys of `sections`; each maps to
        `(label, draw)`. The form's tab opens, and a click on another one reruns the
        page to put it into the form (and the URL). A link that hides the control draws
        the open tab's section alone, without the tab bar.

        Args:
            name: the form field that holds the open tab.
            sections: `{value: (label, draw)}`, in the tabs' order.
            lazy: draw only the open tab (its charts cost nothing while closed). By
                default every tab's `draw()` runs, open or not: a file uploader keeps
                its file only while it is drawn.
        """
        labels = {label: value for value, (label, _) in sections.items()}
        # The open tab's label goes through the session, not as `default`: st.tabs takes
        # its default into its identity, so every switch would make new tabs.
        st.session_state.setdefault(self.widget_key(name), sections[getattr(self.value, name)][0])
        drawn: list = []

        def tabs(*args, **kwargs):
            drawn.extend(st.tabs(*args, **kwargs))

        self.widget(
            name,
            tabs,
            list(labels),
            to_widget=lambda value: sections[value][0],
            from_widget=lambda label: {name: labels.get(label, getattr(self.value, name))},
        )
        current = getattr(self.value, name)
        if not drawn:
            sections[current][1]()
        for tab, (value, (_, draw)) in zip(drawn, sections.items()):
            if lazy and value != current:
                continue
            with tab:
                draw()

    def _changed(self, key: str, name: str, from_widget: Callable[[Any], dict] | None) -> None:
        value = st.session_state[key]
        changes = from_widget(value) if from_widget else {name: value}
        try:
            self.set(**changes)
        except ValueError:
            # A value of the wrong kind: a segmented control clicked off its choice gives
            # None, which no form field takes. The form stays, and redraws the widget.
            pass

    def warn(self, text: str) -> None:
        """Adds a problem with the link that the page found itself, after `bind`;
        `show_warnings` shows it once with the others."""
        st.session_state.setdefault(f"{self.page}.warnings", []).append(text)

    def show_warnings(self) -> None:
        """The link's problems, each once: gone at the next interaction."""
        for warning in st.session_state.pop(f"{self.page}.warnings", []):
            st.warning(plain_markdown(warning), icon=":material/link_off:")


INDEXED = ("selectbox", "radio")  # widgets whose default is an index into their options
LISTED = ("multiselect", "segmented_control", "pills")  # widgets whose default is `default`


def _default_argument(render: Callable, args: tuple, kwargs: dict, shown: Any) -> dict:
    """The keyword argument that makes `shown` the default of the widget `render` draws."""
    kind = getattr(render, "__name__", "")
    if kind in INDEXED:
        options = list(kwargs.get("options", args[1] if len(args) > 1 else ()))
        return {"index": options.index(shown)} if shown in options else {}
    if kind in LISTED:
        return {"default": shown}
    if kind == "tabs":
        return {}  # st.tabs takes its default into its identity: `PageForm.tabs` sets it in the session
    return {"value": shown}  # Streamlit's `value` widgets, and a page's own functions (they take `value`)


def _own(params: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {key: value for key, value in params.items() if _is_own(key, names)}


def note_page(page: str) -> None:
    """Notes the page this script run shows, so that `bind` can tell a visitor who came
    from another page (whose URL is a link to open) from one who stayed. `bind` notes
    its page; a page without a form calls this itself."""
    st.session_state[SHOWN_PAGE] = page


def bind(
    page: str,
    cls: type,
    *,
    default: Form | None = None,
    check: Callable[[Form], object] | None = None,
    from_run: Callable[[Any], Form] | None = None,
    kind: str | None = None,
    controls: tuple[str, ...] = (),
) -> PageForm:
    """The page's form for this run: the session's, or the URL's when the URL says
    something else (a reload, a new tab, a link), or the defaults.

    Args:
        page: the page's name, the namespace of its session state (`"classification"`).
        cls: the page's `core.forms.Form` class.
        default: the form a fresh visit starts from. Defaults to `cls()`.
        check: raises `ValueError` for a form the page cannot use; a link's value
            that makes it raise is ignored, with a warning. Defaults to none.
        from_run: the form for a stored run's config, for links `?run=<key>` that
            carry no form of their own. Defaults to none (such links are not read).
        kind: the kind of run (`core.runs`) the page trains, to refuse another kind's
            run link with a message. Defaults to any.
        controls: more names of controls a link may hide, beside the form's fields
            (a preset picker, say).
    """
    form = PageForm(page, cls, default if default is not None else cls(), controls, from_run)
    url = st.query_params.to_dict()
    own = _own(url, form.controls)
    stored = f"{page}.form" in st.session_state
    if st.session_state.get(SHOWN_PAGE) != page:
        st.session_state[f"{page}.written"] = []  # the visitor came from another page
    note_page(page)
    # The browser sends its URL with each rerun, and a click right after a change can
    # carry the URL from before that change: one this page wrote since the visitor came
    # to it. Such a URL lags behind the form; only another one is a link to open.
    lagging = own in st.session_state.get(f"{page}.written", [])
    # A run's link carries no form: it names a run the page has not shown yet.
    run_link = not own and url.get(RUN_PARAM) not in (None, st.session_state.get(f"{page}.run"))
    if not stored or (own and own != st.session_state.get(f"{page}.url") and not lagging) or run_link:
        _load(form, url, check, from_run, kind)
    form.write_url()
    return form


def _load(form: PageForm, url: dict[str, str], check, from_run, kind) -> None:
    warnings: list[str] = []
    value = None
    key = url.get(RUN_PARAM)
    if key and from_run is not None and not any(name in url for name in forms.field_names(form.cls)):
        value = _form_of_run(key, from_run, kind, warnings)
    if value is None:
        value, field_warnings = forms.from_params(form.cls, url, check=check, default=form.default)
        warnings += field_warnings
    view = read_view(url, form.controls, warnings)
    st.session_state[f"{form.page}.form"] = value
    st.session_state[f"{form.page}.view"] = view
    st.session_state[f"{form.page}.warnings"] = warnings


def _form_of_run(key: str, from_run, kind: str | None, warnings: list[str]) -> Form | None:
    config = jobs.config_of_key(key)
    if config is None:
        return None  # not stored (yet): ui.run_view says what became of it
    if kind is not None and runs.kind_of(config).name != kind:
        warnings.append(
            f"The link's run is a {runs.kind_of(config).title} run; open it from the Experiments page "
            "to see it on its own page."
        )
        return None
    try:
        return from_run(config)
    except ValueError as error:
        warnings.append(f"The link's run cannot be shown in this form: {error}")
        return None
