// The case's process diagram: steps done in green, the pending ones in amber.
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
    container.dataset.rendered = "true";
  }).catch(function (err) {
    container.textContent = err.message;
  });
})();
