// "Where time goes": the procedure's diagram, each step coloured by its
// median time (heat 0–4), its median and 90th percentile in a badge above
// the step — off the step's icons and its name — and the steps after the
// 24-hour clock stopped (e.g. the quality call) drawn dashed and grey.
// The bpmn.io watermark stays visible (bpmn-js licence).
(function () {
  const source = document.getElementById("diagram-data");
  const container = document.getElementById("diagram");
  if (!source || !container || !window.BpmnJS) return;
  const data = JSON.parse(source.textContent);
  if (!data.xml) return;
  const viewer = new window.BpmnJS({ container: container });
  viewer.importXML(data.xml).then(function () {
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const overlays = viewer.get("overlays");
    canvas.zoom("fit-viewport");
    const outside = new Set(data.outside || []);
    Object.entries(data.heat || {}).forEach(function ([id, level]) {
      if (!registry.get(id)) return;
      canvas.addMarker(id, outside.has(id) ? "after-clock" : "heat-" + level);
    });
    Object.entries(data.labels || {}).forEach(function ([id, text]) {
      if (!registry.get(id)) return;
      const label = document.createElement("div");
      label.className = "heat-label" + (outside.has(id) ? " heat-label-outside" : "");
      label.textContent = text;
      label.dataset.step = id;
      // Above the shape: a task's icon sits in its top-left corner and an
      // event's name under it, so the badge covers neither.
      overlays.add(id, { position: { top: -20, left: 0 }, html: label });
    });
    container.dataset.rendered = "true";
  }).catch(function (err) {
    container.textContent = err.message;
  });
})();
