"""The web app behind `seglab serve`: an upload page and a JSON API around one predictor.

`app` builds the FastAPI application, `uploads` turns request bytes into an image (with the
size limits), `render` turns a prediction into PNGs and class shares, `page` is the HTML page,
and `server` loads a model and runs uvicorn. Needs the `serve` extra (fastapi, uvicorn,
python-multipart); nothing here is imported by the rest of seglab.
"""
