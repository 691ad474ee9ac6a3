// The whole flow with nothing but the official `openai` SDK:
//   node examples/sdk-flow.mjs path/to/face.mp4 [output-folder]
// The MP4 and the thumbnail go into output-folder (default: a new folder in the system's temp
// folder); the script prints where. Settings: SORA_CHARACTERS_URL (default http://localhost:8080),
// OPENAI_API_KEY (a sora-characters key).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';

const base = (process.env.SORA_CHARACTERS_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: process.env.OPENAI_API_KEY });
const videoFile = process.argv[2];
if (!videoFile) throw new Error('usage: node examples/sdk-flow.mjs path/to/video.mp4 [output-folder]');
const outDir = process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-flow-'));
fs.mkdirSync(outDir, { recursive: true });

// 1. A character from a video (the first 3 s), with the SDK's createCharacter.
const character = await client.videos.createCharacter({ name: 'Ada', video: fs.createReadStream(videoFile) });
const { username } = await client.videos.getCharacter(character.id);
console.log(`character ${character.id} is @${username}`);

// 2. A video task that mentions it, polled to completed.
let video = await client.videos.create({ prompt: `@${username} waves hello`, seconds: '4', size: '720x1280' });
while (video.status === 'queued' || video.status === 'in_progress') {
  await new Promise((r) => setTimeout(r, 1000));
  video = await client.videos.retrieve(video.id);
  console.log(`${video.id} ${video.status} ${video.progress}%`);
}
if (video.status !== 'completed') throw new Error(`video failed: ${video.error?.message}`);

// 3. The MP4 and the thumbnail.
const videoPath = path.join(outDir, 'video.mp4');
const thumbnailPath = path.join(outDir, 'thumbnail.webp');
fs.writeFileSync(videoPath, Buffer.from(await (await client.videos.downloadContent(video.id)).arrayBuffer()));
fs.writeFileSync(thumbnailPath, Buffer.from(await (await client.videos.downloadContent(video.id, { variant: 'thumbnail' })).arrayBuffer()));
console.log(`saved ${videoPath} and ${thumbnailPath}`);

// 4. A new character from that task (the seed's from_task), through the SDK's generic POST.
const fromTask = await client.post(`${base}/sora/v1/characters`, { body: { from_task: video.id, timestamps: '1,3' } });
console.log(JSON.stringify(fromTask, null, 2));
