"""Frames -> what users see, with no Streamlit: ``maps`` (folium), ``charts`` (plotly),
``tables`` (display and download tables), ``assets`` (the Leaflet files served locally)."""
