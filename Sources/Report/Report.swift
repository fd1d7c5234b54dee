// The Report module: SVG charts and the HTML report (being written).
