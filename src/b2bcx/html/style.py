"""The HTML report's stylesheet, inlined in the page: phone first, printable.

System fonts only (nothing is downloaded). Below 640 px the tables become labelled
cards, one row per card; in print the navigation goes, each account starts on a
new page and links show no URL.
"""

from __future__ import annotations

CSS = """
:root{--ink:#1f1f1f;--muted:#595959;--line:#d9d9d9;--accent:#1F4E79;--risk:#9c2f00;--blind:#5a4a00;--bg:#fff;--soft:#f4f6f8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1100px;padding:0 16px 32px;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{border-bottom:2px solid var(--accent);padding:16px 0 8px;margin-bottom:8px}
h1{font-size:1.6rem;margin:0;color:var(--accent)}
h2{font-size:1.35rem;color:var(--accent);border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:40px}
h3{font-size:1.1rem;margin:24px 0 6px}
h4{font-size:1rem;margin:12px 0 4px}
nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin-top:8px}
nav a{color:var(--accent);text-decoration:none;font-weight:600}
a{color:var(--accent)}
.sub{color:var(--muted);margin:2px 0 8px}
.note{color:var(--muted);font-size:.9rem;margin:4px 0 8px}
.lead{font-size:1.05rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:8px;margin:12px 0}
.card{background:var(--soft);border-radius:6px;padding:10px 12px}
.card .label{font-size:.85rem;color:var(--muted)}
.card .value{font-size:1.4rem;font-weight:700;font-variant-numeric:tabular-nums}
.card .ci{font-size:.85rem;color:var(--muted)}
.pair{display:grid;grid-template-columns:minmax(0,1fr);gap:12px}
.table{overflow-x:auto;margin:6px 0 12px}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;color:var(--muted)}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;vertical-align:bottom}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.num{white-space:normal}
td small{color:var(--muted);white-space:nowrap}
details summary{cursor:pointer;color:var(--accent);margin:4px 0 8px}
.account{border-top:1px solid var(--line);padding-top:8px;margin-top:24px}
.slide{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;align-items:start}
.figures,.people{padding-left:18px;margin:6px 0}
.figures li{margin:3px 0;font-variant-numeric:tabular-nums}
.people li{margin:3px 0;color:#333}
.badges{margin:4px 0}
.badge{display:inline-block;border-radius:4px;padding:2px 8px;margin:2px 6px 2px 0;font-size:.88rem;font-weight:600}
.badge.risk{background:#fde8e0;color:var(--risk)}
.badge.blind{background:#fbf3d0;color:var(--blind)}
blockquote{margin:6px 0;padding:4px 12px;border-left:3px solid var(--line);font-style:italic;overflow-wrap:anywhere}
figure{margin:8px 0}
figcaption{color:var(--muted);font-size:.85rem}
svg.chart{width:100%;height:auto;display:block}
.chart-box{max-width:640px}
dt{font-weight:600;margin-top:10px}
dd{margin:2px 0 0 0;color:#333;overflow-wrap:anywhere}
.top{font-size:.85rem}
footer{margin-top:40px;border-top:1px solid var(--line)}
@media (max-width:640px){
body{padding:0 10px 24px;font-size:15px}
.card .value{font-size:1.2rem}
.pair,.slide{grid-template-columns:1fr}
.table{overflow-x:visible}
table,thead,tbody,tr,td{display:block;width:100%}
thead{position:absolute;left:-9999px}
tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:4px 8px}
td{border:none;padding:2px 0;text-align:right;white-space:normal}
td::before{content:attr(data-label);float:left;color:var(--muted);font-weight:600;padding-right:8px;text-align:left}
td:first-child{text-align:left;font-weight:600}
td:first-child::before{content:none}
}
@media print{
@page{size:A4 landscape;margin:12mm}
body{max-width:none;font-size:10pt;padding:0}
.pair{grid-template-columns:minmax(0,1fr)}
table{font-size:9pt}
nav,.top,details summary{display:none}
details{display:block}
details>*{display:block}
a{color:inherit;text-decoration:none}
h2{break-before:page;margin-top:0}
#summary h2{break-before:avoid}
.account{break-before:page;border:none}
tr,.card,figure,blockquote{break-inside:avoid}
h2,h3,h4,.note{break-after:avoid}
.table{overflow:visible}
}
"""
