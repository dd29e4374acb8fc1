package demo

import (
	"math/rand/v2"
	"strconv"
)

// Syllables of Chinese place names. Names are drawn from these tables with
// the generator's random source, so they are deterministic per seed.
var (
	nameFirst = []rune("安宝北昌长成崇翠大德东丰福富广桂海和红宏华怀惠吉嘉建金锦景静康兰乐丽利良临龙隆茂美民明南宁平青清庆瑞润山尚胜盛石顺泰天通同万文西祥新兴秀阳怡永裕元云泽振正中")
	nameLast  = []rune("安宝滨昌城川春东方丰峰福港光海河和湖华徽家景康兰林岭柳隆门明南平坪桥庆泉瑞山盛水顺台塘亭湾旺溪祥新鑫兴秀阳园苑源岳云泽洲庄")
	// Compound suffixes: 小区 dominates, as in real address books.
	compoundSuffix = []string{"小区", "小区", "小区", "小区", "花园", "家园", "苑", "新村", "公寓", "雅居"}
	groupNumerals  = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"}
	ordinals       = []string{"", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十"}
)

// namer hands out unique names: a repeated base name gets a numbered suffix.
type namer struct {
	rng  *rand.Rand
	seen map[string]int
}

func newNamer(rng *rand.Rand) *namer { return &namer{rng: rng, seen: make(map[string]int)} }

// word returns a two-character place word.
func (n *namer) word() string {
	return string(nameFirst[n.rng.IntN(len(nameFirst))]) + string(nameLast[n.rng.IntN(len(nameLast))])
}

// unique returns base+suffix, or base+"二期"+suffix-like variants when the
// name was already used. mid is inserted between base and suffix on repeats.
func (n *namer) unique(base, suffix string, phase bool) string {
	name := base + suffix
	c := n.seen[name]
	n.seen[name] = c + 1
	if c == 0 {
		return name
	}
	if phase {
		// 二期, 三期 … for compounds.
		if c < len(groupNumerals) {
			return name + groupNumerals[c] + "期"
		}
		return name + strconv.Itoa(c+1) + "期"
	}
	if c < len(ordinals) {
		return base + ordinals[c] + suffix
	}
	return base + "第" + strconv.Itoa(c+1) + suffix
}

// compound names a residential compound (小区).
func (n *namer) compound() string {
	return n.unique(n.word(), compoundSuffix[n.rng.IntN(len(compoundSuffix))], true)
}

// place returns a fresh two-character place name not used before as a place.
func (n *namer) place() string {
	for range 50 {
		w := n.word()
		key := "\x00" + w
		if n.seen[key] == 0 {
			n.seen[key] = 1
			return w
		}
	}
	w := n.word()
	key := "\x00" + w
	c := n.seen[key]
	n.seen[key] = c + 1
	return w + strconv.Itoa(c+1)
}

// group names village group k (村民小组) of a village.
func groupName(village string, k int) string {
	if k < len(groupNumerals) {
		return village + "村" + groupNumerals[k] + "组"
	}
	return village + "村" + strconv.Itoa(k+1) + "组"
}
