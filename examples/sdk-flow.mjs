// The whole flow with nothing but the official `openai` SDK:
//   node examples/sdk-flow.mjs path/to/face.mp4
// Settings: SORA_CHARACTERS_URL (default http://localhost:8080), OPENAI_API_KEY (a sora-characters key).
import fs from 'node:fs';
import OpenAI from 'openai';

const base = (process.env.SORA_CHARACTERS_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: process.env.OPENAI_API_KEY });
const videoFile = process.argv[2];
if (!videoFile) throw new Error('usage: node examples/sdk-flow.mjs path/to/video.mp4');

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
fs.writeFileSync('video.mp4', Buffer.from(await (await client.videos.downloadContent(video.id)).arrayBuffer()));
fs.writeFileSync('thumbnail.webp', Buffer.from(await (await client.videos.downloadContent(video.id, { variant: 'thumbnail' })).arrayBuffer()));
console.log('saved video.mp4 and thumbnail.webp');

// 4. A new character from that task (the seed's from_task), through the SDK's generic POST.
const fromTask = await client.post(`${base}/sora/v1/characters`, { body: { from_task: video.id, timestamps: '1,3' } });
console.log(JSON.stringify(fromTask, null, 2));
