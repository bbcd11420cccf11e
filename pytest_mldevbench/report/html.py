"""A self-contained HTML report: the JSON report inlined, drawn by inline JS into tables and SVG charts.

Nothing is fetched at view time (no CDN, no fonts, no images): the page works from a file:// URL offline.
Artifact links are relative to the HTML file when it sits on the same machine as the trial folders.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from . import trajectories
from .aggregate import label

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #dde;padding:3px 8px;text-align:left}
th{background:#f3f5fa}td.num{text-align:right}.cell{font-weight:600;text-align:center}
.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{border:1px solid #dde;padding:8px}
.comparable{color:#1a7f37;font-weight:600}.pass{color:#1a7f37}.fail{color:#b42318}.error{color:#8a6d00}details{margin:2px 0}
#errors{color:#b42318;white-space:pre-wrap}.muted{color:#667}
.tj{display:flex;gap:16px;align-items:flex-start}.tj-steps{flex:3;min-width:0}.tj-checks{flex:1;position:sticky;top:0;
border-left:3px solid #dde;padding-left:8px;font-size:12px}.step{border:1px solid #dde;border-radius:4px;margin:4px 0;padding:4px 8px}
.step.agent{background:#f7f9ff}.step.user{background:#fffdf3}.step.system{background:#f6f6f6}.step-head{font-size:12px;color:#556}
.step pre{white-space:pre-wrap;word-break:break-word;margin:2px 0;font:12px/1.35 ui-monospace,monospace}
.flagged{color:#8a4b00}.call{border-left:3px solid #3b6fd4;padding-left:6px;margin:3px 0}.result{border-left:3px solid #2e9d6a;padding-left:6px;margin:3px 0}
"""

# Inline JS: draws everything from the JSON in <script id="mldb-data">. Errors land in #errors and in
# body[data-errors], which the browser tests read from the DOM.
_JS = r"""
(function(){
const errs=[];
function fail(m){errs.push(String(m));document.getElementById('errors').textContent=errs.join('\n');
 document.body.dataset.errors=String(errs.length);}
window.addEventListener('error',e=>fail(e.message));
const origError=console.error;console.error=function(){fail([].join.call(arguments,' '));origError.apply(console,arguments);};
const D=JSON.parse(document.getElementById('mldb-data').textContent);
const R=D.report, A=R.aggregates, NS='http://www.w3.org/2000/svg';
const PALETTE=['#3b6fd4','#e07b39','#2e9d6a','#b0479e','#c9a227','#4bb3c4','#7a5cc2','#d44b4b'];
function el(tag,attrs,text){const e=document.createElement(tag);for(const k in attrs||{})e.setAttribute(k,attrs[k]);
 if(text!==undefined)e.textContent=text;return e;}
function svg(tag,attrs,text){const e=document.createElementNS(NS,tag);for(const k in attrs||{})e.setAttribute(k,attrs[k]);
 if(text!==undefined)e.textContent=text;return e;}
function pct(x){return x===null||x===undefined?'-':(100*x).toFixed(0)+'%';}
function cellText(s){if(!s)return '-';const g=s.passed+s.failed;if(!g)return 'err '+s.errors;
 let t=s.passed+'/'+g+' ('+pct(s.success_rate)+')';if(s.success_sem!==null&&s.success_sem!==undefined)t+=' ±'+(100*s.success_sem).toFixed(0);
 return t;}
function shade(r){if(r===null||r===undefined)return '#f6f6f6';const h=Math.round(120*r);return 'hsl('+h+',60%,85%)';}
const labels=Object.keys(A.by_agent_model);
const color={};labels.forEach((l,i)=>color[l]=PALETTE[i%PALETTE.length]);

// run metadata
(function(){const m=R.metadata,t=document.getElementById('meta');
 const keys=['created_at','git_sha','profile','sandbox','agents','models','runs','workers','gpus','host','platform','limits','versions'];
 for(const k of keys){if(!(k in m))continue;const tr=el('tr');tr.appendChild(el('th',{},k));
  const v=m[k];tr.appendChild(el('td',{},typeof v==='object'&&v!==null?JSON.stringify(v):String(v)));t.appendChild(tr);}})();

// results matrix: task x agent-model
(function(){const t=document.getElementById('matrix');const head=el('tr');head.appendChild(el('th',{},'task'));
 head.appendChild(el('th',{},'category'));head.appendChild(el('th',{title:'comparable with the paper (docs/parity.md)'},'paper'));
 labels.forEach(l=>head.appendChild(el('th',{},l)));t.appendChild(head);
 const cat={},cmp={};R.trials.forEach(tr=>{cat[tr.task_id]=tr.category;cmp[tr.task_id]=!!tr.paper_comparable;});
 for(const task of Object.keys(A.by_task_agent_model)){const row=el('tr');row.appendChild(el('td',{},task));
  row.appendChild(el('td',{class:'muted'},cat[task]||''));
  row.appendChild(cat[task]==='extras'?el('td',{class:'muted'},'extra'):
   el('td',{class:cmp[task]?'comparable':'muted'},cmp[task]?'comparable':'not comparable'));
  for(const l of labels){const s=A.by_task_agent_model[task][l];const td=el('td',{class:'cell'},cellText(s));
   td.style.background=shade(s?s.success_rate:null);row.appendChild(td);}t.appendChild(row);}
 function total(name,by){const tr=el('tr');tr.appendChild(el('th',{},name));tr.appendChild(el('th',{},''));
  tr.appendChild(el('th',{},''));labels.forEach(l=>{const s=(by||{})[l];const td=el('th',{class:'cell'},cellText(s));
  td.style.background=shade(s?s.success_rate:null);tr.appendChild(td);});t.appendChild(tr);}
 total('all tasks',A.by_agent_model);
 if(A.paper_comparable_tasks)total('paper-comparable ('+A.paper_comparable_tasks.length+' tasks)',A.paper_comparable_by_agent_model);
 const pk=el('tr');pk.appendChild(el('th',{},'pass@k'));pk.appendChild(el('th',{},''));pk.appendChild(el('th',{},''));
 labels.forEach(l=>{const p=A.by_agent_model[l].pass_at_k||{};pk.appendChild(el('td',{},Object.keys(p).map(k=>'@'+k+' '+pct(p[k])).join('  ')));});
 t.appendChild(pk);})();

// bar chart: success by category x agent-model, with SEM whiskers
(function(){const cats=Object.keys(A.by_category_agent_model);const W=Math.max(360,90*cats.length*Math.max(1,labels.length)/2+80),H=260,L=44,B=40,T=14;
 const s=svg('svg',{width:W,height:H,id:'bar-chart',role:'img'});s.appendChild(svg('title',{},'success rate by category'));
 const ih=H-B-T,gw=(W-L-10)/Math.max(1,cats.length),bw=Math.min(40,(gw-12)/Math.max(1,labels.length));
 for(let i=0;i<=4;i++){const y=T+ih*(1-i/4);s.appendChild(svg('line',{x1:L,x2:W-6,y1:y,y2:y,stroke:'#e3e6ee'}));
  s.appendChild(svg('text',{x:L-6,y:y+4,'text-anchor':'end','font-size':11},(25*i)+'%'));}
 cats.forEach((c,ci)=>{const x0=L+ci*gw+6;labels.forEach((l,li)=>{const st=A.by_category_agent_model[c][l];if(!st||st.success_rate===null)return;
  const h=ih*st.success_rate,x=x0+li*bw;s.appendChild(svg('rect',{x:x,y:T+ih-h,width:bw-3,height:Math.max(h,1),fill:color[l],class:'bar'},''))
  .appendChild(svg('title',{},c+' / '+l+': '+cellText(st)));
  if(st.success_sem){const m=st.success_rate,e=st.success_sem,cx=x+(bw-3)/2;
   s.appendChild(svg('line',{x1:cx,x2:cx,y1:T+ih*(1-Math.min(1,m+e)),y2:T+ih*(1-Math.max(0,m-e)),stroke:'#222'}));}});
  s.appendChild(svg('text',{x:x0+gw/2-6,y:H-B+16,'text-anchor':'middle','font-size':12},c));});
 s.appendChild(svg('line',{x1:L,x2:W-6,y1:T+ih,y2:T+ih,stroke:'#444'}));
 document.getElementById('bars').appendChild(s);})();

// scatter: cost vs success, one point per task x agent-model
(function(){const W=440,H=260,L=54,B=40,T=14,R_=30,pts=[];
 for(const task in A.by_task_agent_model)for(const l in A.by_task_agent_model[task]){const s=A.by_task_agent_model[task][l];
  if(s.success_rate!==null&&s.cost_usd!==null)pts.push({task:task,l:l,x:s.cost_usd/Math.max(1,s.passed+s.failed),y:s.success_rate});}
 const xmax=Math.max(0.01,...pts.map(p=>p.x))*1.1,iw=W-L-R_,ih=H-B-T;
 const s=svg('svg',{width:W,height:H,id:'scatter-chart',role:'img'});s.appendChild(svg('title',{},'cost per trial vs success'));
 for(let i=0;i<=4;i++){const y=T+ih*(1-i/4),x=L+iw*i/4;s.appendChild(svg('line',{x1:L,x2:W-R_,y1:y,y2:y,stroke:'#e3e6ee'}));
  s.appendChild(svg('text',{x:L-6,y:y+4,'text-anchor':'end','font-size':11},(25*i)+'%'));
  s.appendChild(svg('text',{x:x,y:H-B+16,'text-anchor':'middle','font-size':11},'$'+(xmax*i/4).toFixed(xmax<0.1?3:2)));}
 s.appendChild(svg('text',{x:L+iw/2,y:H-6,'text-anchor':'middle','font-size':12},'cost per trial (USD)'));
 s.appendChild(svg('line',{x1:L,x2:W-R_,y1:T+ih,y2:T+ih,stroke:'#444'}));s.appendChild(svg('line',{x1:L,x2:L,y1:T,y2:T+ih,stroke:'#444'}));
 pts.forEach(p=>{s.appendChild(svg('circle',{cx:L+iw*p.x/xmax,cy:T+ih*(1-p.y),r:6,fill:color[p.l],'fill-opacity':0.75,stroke:'#222',class:'point'}))
  .appendChild(svg('title',{},p.task+' / '+p.l+': '+pct(p.y)+', $'+p.x.toFixed(4)+' per trial'));});
 document.getElementById('scatter').appendChild(s);
 const lg=document.getElementById('legend');labels.forEach(l=>{const sp=el('span',{},'\u25A0 '+l+'   ');sp.style.color=color[l];lg.appendChild(sp);});})();

// per-trial details
(function(){const t=document.getElementById('trials');const head=el('tr');
 ['trial','outcome','reason','flags','score','checks','tokens','cost USD','steps','time s','artifacts'].forEach(h=>head.appendChild(el('th',{},h)));t.appendChild(head);
 R.trials.forEach((tr,i)=>{const row=el('tr');row.appendChild(el('td',{},tr.trial_id));
  row.appendChild(el('td',{class:tr.outcome==='passed'?'pass':tr.outcome==='failed'?'fail':'error'},tr.outcome));
  row.appendChild(el('td',{},tr.reason||''));row.appendChild(flagCell(tr.flags||[]));
  row.appendChild(el('td',{class:'num'},(tr.score||0).toFixed(2)));
  const ck=el('td');const det=el('details');const ok=(tr.checks||[]).filter(c=>c.ok).length;
  det.appendChild(el('summary',{},ok+'/'+(tr.checks||[]).length+' ok'));
  (tr.checks||[]).forEach(c=>det.appendChild(el('div',{class:c.ok?'pass':'fail'},(c.ok?'\u2713 ':'\u2717 ')+c.name+(c.value!=null?' [measured '+(+c.value.toFixed(4))+']':'')+(c.detail?': '+c.detail:''))));
  if(tr.detail)det.appendChild(el('div',{class:'muted'},tr.detail));ck.appendChild(det);row.appendChild(ck);
  const u=tr.usage||{},est=u.estimated_calls?{class:'num',title:u.estimated_calls+' calls without usage from the backend: estimated with the model\'s tokenizer'}:{class:'num'};
  row.appendChild(el('td',est,(u.estimated_calls?'~':'')+String((u.prompt_tokens||0)+(u.completion_tokens||0))+(u.estimated_calls?' (estimated)':'')));
  row.appendChild(el('td',{class:'num'},u.cost_usd===null?'cost unknown':(u.cost_usd||0).toFixed(4)));row.appendChild(el('td',{class:'num'},String(tr.steps||0)));
  row.appendChild(el('td',{class:'num'},((tr.timings||{}).total_s||0).toFixed(1)));
  const a=el('td');const href=D.links[i];if(href){a.appendChild(el('a',{href:href},'folder'));}row.appendChild(a);t.appendChild(row);
  const steps=D.trajectories[i];if(steps){const tr2=el('tr');const td=el('td',{colspan:11});td.appendChild(trajectory(tr,steps));
   tr2.appendChild(td);t.appendChild(tr2);}});})();

// integrity flags: evidence beside the outcome (integrity.py), never part of it
function flagText(f){return f.flag+(f.step?' (step '+f.step+')':f.source?' ('+f.source+')':'')+': '+f.evidence;}
function flagCell(flags){const td=el('td',{class:flags.length?'flagged':'muted'});if(!flags.length){td.textContent='-';return td;}
 const d=el('details');const kinds=[...new Set(flags.map(f=>f.flag))];d.appendChild(el('summary',{},kinds.join(', ')));
 flags.forEach(f=>d.appendChild(el('div',{},flagText(f))));td.appendChild(d);return td;}
// one trial's trajectory: its steps, and its grading checks beside them
function lines(text,n){const box=el('div');const ls=String(text).split('\n');box.appendChild(el('pre',{},ls.slice(0,n).join('\n')));
 if(ls.length>n){const d=el('details');d.appendChild(el('summary',{class:'muted'},(ls.length-n)+' more lines'));
  d.appendChild(el('pre',{},ls.slice(n).join('\n')));box.appendChild(d);}return box;}
function trajectory(tr,steps){const det=el('details',{class:'traj'});
 if(D.trajectories.filter(Boolean).length<=2)det.open=true;  // a report of one or two trials: shown open
 const calls=steps.filter(s=>s.tokens).length;
 det.appendChild(el('summary',{},'trajectory: '+steps.length+' steps, '+calls+' LLM calls'));
 const box=el('div',{class:'tj'});const left=el('div',{class:'tj-steps'});
 steps.forEach(s=>{const d=el('div',{class:'step '+s.source});
  let head='#'+s.id+' '+s.source+(s.copied?' (copied context)':'');
  if(s.tokens)head+=' \u00b7 '+(s.tokens[0]||0)+' in / '+(s.tokens[1]||0)+' out tokens \u00b7 '+
   (s.cost===null||s.cost===undefined?'cost unknown':'$'+s.cost.toFixed(4))+(s.latency!=null?' \u00b7 '+s.latency.toFixed(2)+' s':'');
  d.appendChild(el('div',{class:'step-head'},head));
  if(s.status)d.appendChild(el('div',{class:'fail'},s.status));
  if(s.reasoning){const r=el('details');r.appendChild(el('summary',{class:'muted'},'reasoning'));r.appendChild(el('pre',{},s.reasoning));d.appendChild(r);}
  if(s.message)d.appendChild(lines(s.message,8));
  (s.calls||[]).forEach(c=>{const b=el('div',{class:'call'});b.appendChild(el('div',{class:'step-head'},'\u25b6 '+c.name));
   b.appendChild(lines(c.args,6));d.appendChild(b);});
  (s.results||[]).forEach(r=>{const b=el('div',{class:'result'});b.appendChild(el('div',{class:'step-head'},'\u25c0 result'));
   b.appendChild(lines(r.content,4));d.appendChild(b);});
  left.appendChild(d);});
 const right=el('div',{class:'tj-checks'});right.appendChild(el('b',{},'grading: '+tr.outcome+(tr.reason?' ('+tr.reason+')':'')));
 (tr.checks||[]).forEach(c=>right.appendChild(el('div',{class:c.ok?'pass':'fail'},(c.ok?'\u2713 ':'\u2717 ')+c.name+(c.detail?': '+c.detail:''))));
 (tr.notes||[]).forEach(n=>right.appendChild(el('div',{class:'muted'},typeof n==='string'?n:JSON.stringify(n))));
 const as=tr.assets||{};if(as.fetched){const n=as.refused_requests||0;
  right.appendChild(el('div',{class:n?'flagged':'muted'},'assets fetched: '+(as.fetched.join(', ')||'none')+'; refused requests: '+n+(n?' ('+(as.refused||[]).join(', ')+')':'')));}
 if((tr.flags||[]).length){right.appendChild(el('b',{},'integrity flags (evidence; the outcome stands)'));
  tr.flags.forEach(f=>right.appendChild(el('div',{class:'flagged'},flagText(f))));}
 box.appendChild(left);box.appendChild(right);det.appendChild(box);return det;}

document.body.dataset.errors=String(errs.length);
document.body.dataset.rendered='yes';
})();
"""


def _links(report: dict, html_path: Path) -> list[str]:
    """Per trial: a link to its artifact folder, relative to the HTML file when possible."""
    out = []
    for t in report["trials"]:
        folder = t.get("artifacts_dir") or ""
        if not folder:
            out.append("")
            continue
        try:
            rel = os.path.relpath(folder, html_path.absolute().parent)
        except ValueError:
            rel = folder
        out.append(Path(rel).as_posix() + "/")
    return out


def _steps(artifacts_dir: str | None) -> list | None:
    doc = trajectories.read(artifacts_dir)
    return trajectories.compact(doc) if doc else None


def _inline_json(data: dict) -> str:
    # no "<" at all inside the <script> element: "</script>" or "<!--" in a task's text cannot break out
    return json.dumps(data, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(report: dict, html_path: Path) -> str:
    meta = report.get("metadata", {})
    title = f"ML-Dev-Bench report {meta.get('created_at', '')}".strip()
    data = {"report": report, "links": _links(report, html_path),
            "trajectories": [_steps(t.get("artifacts_dir")) for t in report["trials"]]}
    agents = ", ".join(sorted({label(t) for t in report["trials"]}))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{_esc(title)}</title><style>{_CSS}</style></head>
<body data-errors="0">
<h1>ML-Dev-Bench results</h1>
<div class="muted">{len(report['trials'])} trials · {_esc(agents)} · profile {_esc(str(meta.get('profile', '?')))} ·
runs {_esc(str(meta.get('runs', '?')))} · {_esc(str(meta.get('created_at', '')))}</div>
<div id="errors"></div>
<h2>Results by task × agent-model</h2><table id="matrix"></table>
<h2>Charts</h2><div id="legend"></div>
<div class="charts"><div class="chart" id="bars"><b>Success by category</b><br></div>
<div class="chart" id="scatter"><b>Cost vs success (task × agent-model)</b><br></div></div>
<h2>Trials</h2><table id="trials"></table>
<h2>Run metadata</h2><table id="meta"></table>
<script type="application/json" id="mldb-data">{_inline_json(data)}</script>
<script>{_JS}</script>
</body></html>
"""


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write(report: dict, html_path: Path) -> None:
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render(report, html_path), encoding="utf-8")
