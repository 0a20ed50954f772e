// A process diagram: on a case, steps done in green and the pending ones in
// amber; on "where time goes", each step coloured by its time (heat 0–4)
// with its median and 90th percentile beside it.
// The bpmn.io watermark stays visible (bpmn-js licence).
(function () {
  const data = JSON.parse(document.getElementById("diagram-data").textContent);
  const container = document.getElementById("diagram");
  if (!data.xml || !container || !window.BpmnJS) return;
  const viewer = new window.BpmnJS({ container: container });
  viewer.importXML(data.xml).then(function () {
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    data.done.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "step-done"); });
    data.current.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "step-current"); });
    const overlays = viewer.get("overlays");
    Object.entries(data.heat || {}).forEach(function ([id, level]) {
      if (registry.get(id)) canvas.addMarker(id, "heat-" + level);
    });
    Object.entries(data.labels || {}).forEach(function ([id, text]) {
      if (!registry.get(id)) return;
      const label = document.createElement("div");
      label.className = "heat-label";
      label.textContent = text;
      overlays.add(id, { position: { bottom: 4, left: 0 }, html: label });
    });
    container.dataset.rendered = "true";
  }).catch(function (err) {
    container.textContent = err.message;
  });
})();
