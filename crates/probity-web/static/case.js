// Only the measures the chosen determination allows can be ticked (the server checks it too).
document.querySelectorAll("select.outcome").forEach(function (select) {
  var form = select.form;
  function sync() {
    var allowed = (select.selectedOptions[0].dataset.measures || "").split(" ");
    form.querySelectorAll("input[name=measure]").forEach(function (box) {
      box.disabled = allowed.indexOf(box.value) < 0;
      if (box.disabled) { box.checked = false; }
    });
  }
  select.addEventListener("change", sync);
  sync();
});
