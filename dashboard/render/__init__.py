"""Frames -> what users see, with no Streamlit: ``maps`` (folium layers), ``mapdata`` (every
facility's map data), ``legend`` (symbols, colour classes), ``webfiles`` (the map's cached
files), ``gaps`` (the Gaps page's content), ``charts`` (plotly), ``tables`` (display and
download tables), ``text`` (formats, escaping), ``mapview``, ``assets`` (Leaflet, served locally)."""
