"use strict";
// The Django admin's periodic task form: under the crontab field, say in words when the chosen
// schedule runs (django-celery-beat's own template does this in an inline script).
(function () {
  const $ = django.jQuery;
  const readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const help = JSON.parse(document.getElementById("crontab-help").textContent);

  function showTranslation(text) {
    const box = $(".field-crontab .help");
    box.empty();
    box.append(document.createTextNode(String(help)), document.createElement("br"));
    box.append(document.createTextNode("Translation: " + (text === undefined ? "" : text)));
  }

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    showTranslation(readable[$("#id_crontab").val()]);
  });
})();
