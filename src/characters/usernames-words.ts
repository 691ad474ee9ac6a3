/**
 * The parts of generated handles: an adjective-ish lead, a noun-ish middle and a suffix-ish tail,
 * as in `odd`+`wing`+`duo` or `moo`+`flap`+`and`. Short, plain, friendly words only: handles are
 * shown to people and typed into prompts. 3 parts from these lists give well over a million
 * handles, so random picks rarely repeat.
 */

export const LEADS: readonly string[] = words(`
  odd moo big tiny wild calm bold shy fun zany glad keen cozy fizzy lazy busy sly wry dry icy
  cool warm soft loud mild neat tidy rosy sunny misty foggy windy snowy rainy dusty sandy leafy
  mossy jolly merry happy lucky perky zippy peppy snappy quick slow swift brisk spry deft fair
  fine gold blue red teal pink mint jade ruby amber ivory coral sage lime navy gray tan rusty
  shiny fuzzy furry fluffy puffy bouncy wavy curly comfy dandy nifty witty zesty tangy salty
  sweet sour spicy minty jazzy funky cosmic lunar solar polar royal noble brave eager proud
  gentle quiet vivid lucid sonic retro neo mega ultra super hyper micro mini maxi turbo astro
  aero aqua echo nova zen posh chic snug plush silky tall round boo zap zip pop bop woo yay
  hey wee itty teeny giant grand prime true kind wise good nice sunlit dewy hazy lofty breezy
  bubbly chirpy cheery sparky glossy frosty toasty sleepy dozy dreamy wonky quirky dotty
`);

export const MIDDLES: readonly string[] = words(`
  wing flap fox owl cat dog pup cub elk yak emu bee ant eel cod ray orca seal crab clam frog
  toad newt duck swan crow wren lark hawk dove kiwi lynx wolf bear hare mole vole otter panda
  koala lemur llama camel moose bison tiger zebra gecko robin finch heron raven squid shark
  whale tuna trout moon star sun sky cloud rain snow wind leaf tree oak pine fern moss rose
  lily iris daisy tulip reed seed bean pea corn pear fig melon berry mango peach apple lemon
  nut acorn cone rock stone pebble dune hill peak vale cove bay lake pond brook creek river
  reef isle wave tide foam dew ice ember spark flame bolt gem pearl opal jewel coin key bell
  drum horn harp lute flute hat cap sock boot kite ship boat raft sail oar map book pen ink
  quill lamp cup mug pot pan jar box bag kit toy ball dot zig zag loop knot ring hoop beam
  glow buzz hum jam toast bun pie cake tart taco noodle soup bread honey sugar cocoa mocha
  button pixel comet rocket planet orbit puff fluff swirl twirl bloop blip ping tune song
`);

export const TAILS: readonly string[] = words(`
  duo trio and ish kin let ling ster ette oid ix ex ox io eo oo er ist ito ino ina ella ola
  ora ara aro ero ado ato eon ion ium ia ie ey pal bud jo bo tron zoo zy pop zap fan fest
  land ville town bot kid pro max go yo hop run dash zoom way top side nest den hub lab pad
  pod cast mix ette amo ora uno ami
`);

function words(text: string): readonly string[] {
  return Object.freeze([...new Set(text.split(/\s+/).filter(Boolean))]);
}
