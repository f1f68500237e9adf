"""Home: what MLP Explorer is, and a link to every page."""

import streamlit as st

from ui import state
from ui.nav import built_pages

state.note_page("home")
st.title("MLP Explorer")
st.markdown(
    "Learn and explore **multilayer perceptrons** by clicking, not coding. Every page "
    "runs real [Keras](https://keras.io) models: build a network, train it while the "
    "learning curves grow, and look inside what it learned. A configuration trained "
    "once is kept, so coming back to it shows its results at once."
)

pages = built_pages()
sections: dict[str, list] = {}
for entry in pages:
    sections.setdefault(entry.section, []).append(entry)

for section, entries in sections.items():
    st.subheader(section)
    columns = st.columns(min(len(entries), 3))
    for column, entry in zip(columns * 3, entries):
        with column.container(border=True):
            st.page_link(entry.path, label=entry.title, icon=entry.icon)
            st.caption(entry.blurb)

st.divider()
st.caption(
    "Data sets: Fashion-MNIST (Zalando, MIT), MNIST (LeCun, Cortes and Burges, "
    "CC BY-SA 3.0) and California housing (StatLib), loaded through Keras and scikit-learn."
)
