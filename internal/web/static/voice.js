// Voice guidance for care mode (关怀模式): read each step and each error
// aloud with the browser's speech synthesis, in the page's language, and
// show what is spoken in the caption (aria-live), which also serves people
// who cannot hear it. The page asks for it with <html data-voice="on">;
// the mute switch is a form on the page, so it works without this script.
(function () {
  'use strict';
  var root = document.documentElement;
  var caption = document.getElementById('caption');
  var replay = document.getElementById('replay');
  if (root.getAttribute('data-voice') !== 'on' || !caption) return;

  // What a person hears: the main heading, the step, the status lines the
  // page marks with data-speak, and every error (role=alert).
  function sayable(el) {
    var out = '';
    el.childNodes.forEach(function (n) {
      if (n.nodeType === 3) { out += n.nodeValue; return; }
      if (n.nodeType !== 1 || n.hidden || n.getAttribute('aria-hidden') === 'true') return;
      out += sayable(n);
    });
    return out.replace(/\s+/g, ' ').trim();
  }
  function script() {
    var parts = [];
    var seen = [];
    var add = function (el) {
      if (!el || seen.indexOf(el) >= 0) return;
      seen.push(el);
      var s = sayable(el);
      if (s) parts.push(s);
    };
    add(document.querySelector('main h1'));
    document.querySelectorAll('main [data-speak], main [role=alert]').forEach(add);
    return parts;
  }

  var lang = root.lang === 'en' ? 'en-US' : 'zh-CN';
  var synth = window.speechSynthesis;
  var parts = script();

  function show(text) { caption.textContent = text; }

  function speak() {
    show(parts.join(lang === 'en-US' ? '. ' : '。'));
    if (!synth || !window.SpeechSynthesisUtterance) return;
    synth.cancel();
    var voices = synth.getVoices ? synth.getVoices() : [];
    var voice = null;
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.replace('_', '-').indexOf(lang.slice(0, 2)) === 0) { voice = voices[i]; break; }
    }
    parts.forEach(function (p) {
      var u = new SpeechSynthesisUtterance(p);
      u.lang = lang;
      u.rate = 0.9; // a little slower than usual, for older listeners
      if (voice) u.voice = voice;
      u.onerror = function (e) {
        // Browsers may refuse to speak before the person has touched the
        // page; the caption stays, and the next tap or key reads it.
        if (e && e.error === 'not-allowed') waitForTouch();
      };
      synth.speak(u);
    });
  }

  var waiting = false;
  function waitForTouch() {
    if (waiting) return;
    waiting = true;
    var go = function () {
      document.removeEventListener('pointerdown', go, true);
      document.removeEventListener('keydown', go, true);
      waiting = false;
      speak();
    };
    document.addEventListener('pointerdown', go, true);
    document.addEventListener('keydown', go, true);
  }

  if (replay) {
    replay.hidden = false;
    replay.addEventListener('click', speak);
  }
  // A status that changes on the page (the result page) is read too.
  var live = document.querySelector('main [aria-live]');
  if (live && window.MutationObserver) {
    new MutationObserver(function () { parts = script(); speak(); }).observe(live, { childList: true, subtree: true, characterData: true });
  }
  if (parts.length) speak();
})();
