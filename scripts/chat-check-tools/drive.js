// Two real browsers through a whole anonymous chat (issue 14), driven by playwright-core in
// Debian's Chromium: the citizen's browser on server A, the peers' browser on server B (two
// peers, each in a context of their own). Prints nothing secret; exits 1 at the first step
// that fails, naming it. Environment: URL_A, URL_B, TENANT, OFFER, PEER_A, PEER_B (tokens),
// PHRASE (the unique phrase the messages carry), OUT (screenshots).
const { chromium } = require('playwright-core');

const env = process.env;
const fail = (step, detail) => {
  console.error(`chat-check: FAILED at ${step}: ${detail}`);
  process.exit(1);
};
const step = async (name, action) => {
  try {
    const result = await action();
    console.log(`chat-check: ok  ${name}`);
    return result;
  } catch (e) {
    return fail(name, e.message.split('\n')[0]);
  }
};
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // A camera and a microphone that exist without hardware, allowed without a prompt.
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const WAIT = { timeout: 20000 };

async function open(browser, url, problems, who) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${who}: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${who}: ${m.text()} (${m.location().url})`); });
  const response = await page.goto(url);
  if (!response || response.status() !== 200) throw new Error(`${url}: ${response?.status()}`);
  return page;
}
const text = (page, selector) => page.locator(selector).innerText();
const until = (page, selector, pattern) =>
  page.locator(selector).filter({ hasText: pattern }).first().waitFor(WAIT);

async function send(page, message) {
  await page.fill('#text', message);
  await page.click('#send');
  await until(page, '#messages li.mine', message);
}

(async () => {
  const problems = [];
  const phrase = env.PHRASE;
  const citizenBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const peerBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const peerA = await open(peerBrowser, `${env.URL_B}/chat/peer#token=${env.PEER_A}`, problems, 'peer A');
  const peerB = await open(peerBrowser, `${env.URL_B}/chat/peer#token=${env.PEER_B}`, problems, 'peer B');
  for (const [name, page] of [['A', peerA], ['B', peerB]]) {
    await step(`peer ${name} signs in from the address's fragment`, () => page.locator('#duty').waitFor(WAIT));
    await step(`peer ${name} sees no queue off duty`, async () => {
      await page.locator('#duty-state').filter({ hasText: /vagt/ }).waitFor(WAIT);
      if ((await text(page, '#duty-state')) === 'Du er på vagt.') {
        await page.click('#duty-button');
        await until(page, '#duty-state', 'ikke på vagt');
      }
      if (await page.locator('#queue-panel').isVisible()) throw new Error('the queue shows off duty');
    });
    await step(`peer ${name} goes on duty`, async () => {
      await page.click('#duty-button');
      await until(page, '#duty-state', 'Du er på vagt.');
    });
  }
  const citizen = await open(citizenBrowser, `${env.URL_A}/chat/${env.TENANT}/${env.OFFER}`, problems, 'citizen');
  await step('the citizen starts a conversation and waits in the queue', async () => {
    await citizen.click('#start-button');
    await until(citizen, '#status', 'nummer 1 i køen');
  });
  await step("peer A sees it in the queue (server B) and takes it", async () => {
    await until(peerA, '#queue li', 'Nr. 1');
    await peerA.click('#queue li button');
    await peerA.locator('#safety').waitFor(WAIT);
  });
  const first = await step('both pages show the same safety code', async () => {
    await citizen.locator('#safety').waitFor(WAIT);
    const [a, b] = [await text(citizen, '#safety-code'), await text(peerA, '#safety-code')];
    if (!/^\d{4} \d{4} \d{4}$/.test(a) || a !== b) throw new Error(`${a} / ${b}`);
    return a;
  });
  await step('the citizen writes; peer A reads it', async () => {
    await send(citizen, `${phrase} 1 fra borgeren`);
    await until(peerA, '#messages li.theirs', `${phrase} 1 fra borgeren`);
  });
  await step('peer A answers; the citizen reads it', async () => {
    await send(peerA, `${phrase} 2 fra peer A`);
    await until(citizen, '#messages li.theirs', `${phrase} 2 fra peer A`);
  });
  await step('peer A sees the citizen typing', async () => {
    await citizen.fill('#text', 'skriver');
    await peerA.locator('#typing').waitFor({ state: 'visible', ...WAIT });
    await citizen.fill('#text', '');
  });
  await step('peer A calls by video; the citizen accepts; media flows both ways', async () => {
    await peerA.click('#call-start');
    await citizen.locator('#call-accept').waitFor({ state: 'visible', ...WAIT });
    await citizen.click('#call-accept');
    for (const page of [peerA, citizen]) {
      await page.waitForFunction(() => document.getElementById('call').dataset.state === 'connected', null, WAIT);
      await page.waitForFunction(() => document.getElementById('video-remote').videoWidth > 0, null, WAIT);
    }
  });
  await step("peer A hangs up; the citizen's call ends too", async () => {
    await peerA.click('#call-hangup');
    await citizen.waitForFunction(() => document.getElementById('call').dataset.state === 'ended', null, WAIT);
  });
  await step('peer A hands the conversation to peer B', async () => {
    await peerA.focus('#colleague');
    await peerA.waitForFunction(() => document.querySelectorAll('#colleague option').length === 1, null, WAIT);
    await peerA.click('#hand-over-button');
    await until(peerA, '#status', 'givet samtalen videre');
    await until(citizen, '#status', 'sat videre');
    if (await peerA.locator('#text').isEnabled()) throw new Error('peer A can still write');
  });
  const second = await step('peer B takes it from their queue with new keys', async () => {
    await until(peerB, '#queue li', 'givet videre til dig');
    await peerB.click('#queue li button');
    await peerB.locator('#safety').waitFor(WAIT);
    await until(citizen, '#status', 'Du taler med');
    await citizen.waitForFunction((old) => document.getElementById('safety-code').textContent !== old, first, WAIT);
    const [a, b] = [await text(citizen, '#safety-code'), await text(peerB, '#safety-code')];
    if (a !== b || a === first) throw new Error(`${a} / ${b} (first ${first})`);
    return a;
  });
  await step('peer B cannot read what was written before the hand-over', async () => {
    await until(peerB, '#messages li.note', '2 beskeder');
    const body = await text(peerB, '#messages');
    if (body.includes(phrase)) throw new Error('an earlier message opened');
  });
  await step('the citizen writes to peer B; peer B reads it; peer A does not', async () => {
    await send(citizen, `${phrase} 3 til peer B`);
    await until(peerB, '#messages li.theirs', `${phrase} 3 til peer B`);
    if ((await text(peerA, '#messages')).includes(`${phrase} 3`)) throw new Error('peer A read it');
  });
  await step('peer B answers; the citizen reads it', async () => {
    await send(peerB, `${phrase} 4 fra peer B`);
    await until(citizen, '#messages li.theirs', `${phrase} 4 fra peer B`);
  });
  await step('peer B ends the conversation; the citizen sees it end and can write no more', async () => {
    await peerB.click('#end');
    await until(peerB, '#status', 'slut');
    await until(citizen, '#status', 'Samtalen er slut');
    if (await citizen.locator('#text').isEnabled()) throw new Error('the citizen can still write');
  });
  await step('the citizen sees all four messages in order', async () => {
    const lines = await citizen.locator('#messages li .text').allInnerTexts();
    const numbered = lines.filter((l) => l.startsWith(phrase)).map((l) => l.split(' ')[1]);
    if (numbered.join() !== '1,2,3,4') throw new Error(numbered.join());
  });
  await citizen.screenshot({ path: `${env.OUT}/citizen.png`, fullPage: true });
  await peerB.screenshot({ path: `${env.OUT}/peer.png`, fullPage: true });
  await step('no page errors and no refused resources (CSP)', async () => {
    if (problems.length) throw new Error(problems.join('; '));
  });
  console.log(`chat-check: safety codes ${first} then ${second}`);
  await citizenBrowser.close();
  await peerBrowser.close();
})().catch((e) => fail('the browser', e.stack));
