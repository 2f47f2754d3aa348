/*
 * Stelselregister: progressive enhancement for server-rendered pages.
 * Every page works without this file; it only makes some steps quicker.
 *
 *  - data-confirm="Vraag?"  on a <form>, or on a submit button / link: asks for confirmation
 *    before a destructive action. The server still requires its own confirmation step; with
 *    data-confirm-field="bevestigd" the confirmed form also sends bevestigd=ja, so the server
 *    can skip its confirmation page.
 *  - data-copy="tekst" or data-copy-target="#id"  on a <button hidden>: copies to the clipboard
 *    and announces the result. The button is hidden until this script shows it.
 *  - data-focus-on-load  on an error summary: moves keyboard focus to it after a failed submit.
 *
 * Sorting and paging tables need nothing from here: the column headers and page numbers are
 * plain links carrying ?sort=…&order=… and the page number, handled by the server.
 *
 * No inline scripts, no eval: the Content-Security-Policy forbids both.
 */
(function () {
  "use strict";

  var CONFIRM_DEFAULT = "Weet u het zeker?";

  function liveRegion() {
    var region = document.getElementById("stelsel-live");
    if (!region) {
      region = document.createElement("div");
      region.id = "stelsel-live";
      region.className = "stelsel-visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function announce(message) {
    var region = liveRegion();
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = message;
    }, 50);
  }

  /* Confirmation ---------------------------------------------------------------------- */

  function addConfirmedField(form, source) {
    var field = source.getAttribute("data-confirm-field");
    if (!form || !field || form.querySelector('input[type="hidden"][name="' + CSS.escape(field) + '"]')) {
      return;
    }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = field;
    input.value = "ja";
    form.appendChild(input);
  }

  function confirmed(element) {
    var question = element.getAttribute("data-confirm") || CONFIRM_DEFAULT;
    return window.confirm(question);
  }

  // Capture phase, so a cancelled action never reaches other listeners (htmx included).
  document.addEventListener(
    "click",
    function (event) {
      var target = event.target.closest("a[data-confirm], button[data-confirm], input[type=submit][data-confirm]");
      if (!target) {
        return;
      }
      if (!confirmed(target)) {
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      if (target.form) {
        target.form.setAttribute("data-confirmed", "true");
        addConfirmedField(target.form, target);
      }
    },
    true
  );

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
        return;
      }
      if (form.getAttribute("data-confirmed") === "true") {
        form.removeAttribute("data-confirmed");
        return;
      }
      if (!confirmed(form)) {
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      addConfirmedField(form, form);
    },
    true
  );

  /* Copy to clipboard ------------------------------------------------------------------ */

  function textToCopy(button) {
    var selector = button.getAttribute("data-copy-target");
    if (selector) {
      var source = document.querySelector(selector);
      if (!source) {
        return null;
      }
      return "value" in source && typeof source.value === "string" ? source.value : source.textContent.trim();
    }
    return button.getAttribute("data-copy");
  }

  function copyFallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "stelsel-offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (error) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyFallback(text);
      });
    }
    return copyFallback(text);
  }

  function enhanceCopyButtons(root) {
    root.querySelectorAll("[data-copy], [data-copy-target]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-target]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var text = textToCopy(button);
    if (text === null || text === "") {
      announce("Er is niets om te kopiëren.");
      return;
    }
    var original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    copy(text).then(
      function () {
        button.textContent = "Gekopieerd";
        announce("Gekopieerd naar het klembord.");
        window.setTimeout(function () {
          button.textContent = original;
        }, 2000);
      },
      function () {
        announce("Kopiëren is niet gelukt. Selecteer de tekst en kopieer die zelf.");
      }
    );
  });

  /* Focus ------------------------------------------------------------------------------ */

  function focusOnLoad(root) {
    var target = root.querySelector("[data-focus-on-load]");
    if (target) {
      if (!target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  }

  function init(root) {
    enhanceCopyButtons(root);
    focusOnLoad(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }

  // Content swapped in by htmx gets the same enhancements.
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target !== document.body) {
      init(event.target);
    }
  });
})();
