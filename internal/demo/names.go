package demo

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

var maleSurnames = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
	"Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
	"Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов",
	"Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев",
	"Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов"}
var maleNames = []string{"Александр", "Сергей", "Владимир", "Андрей", "Алексей", "Дмитрий", "Николай", "Михаил",
	"Евгений", "Игорь", "Юрий", "Олег", "Виктор", "Павел", "Константин", "Анатолий", "Геннадий", "Василий", "Пётр",
	"Валерий", "Роман", "Иван", "Фёдор", "Леонид"}
var femaleNames = []string{"Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Галина", "Людмила",
	"Марина", "Анна", "Надежда", "Валентина", "Любовь", "Нина", "Вера", "Екатерина"}
var fathers = []string{"Александр", "Сергей", "Владимир", "Иван", "Николай", "Михаил", "Пётр", "Виктор", "Юрий",
	"Василий", "Анатолий", "Геннадий", "Алексей", "Павел"}

var places = []string{"Санкт-Петербург", "Москва", "Вологда", "Псков", "Петрозаводск", "Мурманск", "Архангельск",
	"Великий Новгород", "Тверь", "Ярославль", "Кострома", "Пермь", "Челябинск", "Омск", "Ташкент", "Душанбе",
	"Луга", "Гатчина", "Кириши", "Воркута"}

var notes = []string{
	"Просил помочь восстановить паспорт, документы украли на вокзале.",
	"Хочет вернуться к сестре в Вологду, нужен билет.",
	"Жалуется на боли в ноге, направлен в клинику.\nПовторить через неделю.",
	"Работал на стройке, не заплатили за два месяца.",
	"Не давать наличные. Договорились о продуктовом наборе.",
	"Ищет работу, есть опыт повара.",
}

func patronymic(father string, male bool) string {
	base := father
	switch {
	case strings.HasSuffix(father, "ий"): // Юрий → Юрьевич, Анатолий → Анатольевич
		base = strings.TrimSuffix(father, "ий") + "ь"
		if male {
			return base + "евич"
		}
		return base + "евна"
	case strings.HasSuffix(father, "й"):
		base = strings.TrimSuffix(father, "й")
		if male {
			return base + "евич"
		}
		return base + "евна"
	case strings.HasSuffix(father, "ь"):
		base = strings.TrimSuffix(father, "ь")
		if male {
			return base + "евич"
		}
		return base + "евна"
	case father == "Пётр":
		base = "Петр"
	case father == "Павел":
		base = "Павл"
	}
	if male {
		return base + "ович"
	}
	return base + "овна"
}

// name returns a realistic Russian surname, first name and patronymic.
func name(r *rand.Rand, male bool) (string, string, string) {
	s := maleSurnames[r.IntN(len(maleSurnames))]
	f := fathers[r.IntN(len(fathers))]
	if male {
		return s, maleNames[r.IntN(len(maleNames))], patronymic(f, true)
	}
	return s + "а", femaleNames[r.IntN(len(femaleNames))], patronymic(f, false)
}

// typo makes the kind of mistake a worker makes typing a surname fast.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	i := 1 + r.IntN(len(rs)-2)
	switch r.IntN(3) {
	case 0: // swapped letters
		rs[i], rs[i+1] = rs[i+1], rs[i]
	case 1: // ё written as е and back, or a doubled letter
		switch rs[i] {
		case 'ё':
			rs[i] = 'е'
		case 'е':
			rs[i] = 'ё'
		default:
			rs = append(rs[:i+1], rs[i:]...)
		}
	default: // a dropped letter
		rs = append(rs[:i], rs[i+1:]...)
	}
	return string(rs)
}

// twinOf makes c the same person as twin, registered again under a misspelt
// surname, as happens at a busy desk.
func twinOf(r *rand.Rand, c, twin *opora.Client) {
	c.Surname, c.FirstName, c.Patronymic, c.Gender = typo(r, twin.Surname), twin.FirstName, twin.Patronymic, twin.Gender
	c.BirthPrecision, c.BirthDate, c.BirthYear, c.BirthPlace = twin.BirthPrecision, twin.BirthDate, twin.BirthYear, twin.BirthPlace
}

// birth draws birth data as workers record it: mostly a date, some only a
// year, a few an age guessed at the first meeting; and a birth place.
func birth(r *rand.Rand, c *opora.Client, first time.Time, fromYear, years int) {
	switch k := r.IntN(10); {
	case k < 7:
		c.BirthPrecision = opora.BirthExact
		c.BirthDate = opora.NewDate(fromYear+r.IntN(years), time.Month(1+r.IntN(12)), 1+r.IntN(28))
	case k < 9:
		c.BirthPrecision, c.BirthYear = opora.BirthYear, fromYear+r.IntN(years)
	default:
		c.BirthPrecision, c.BirthYear = opora.BirthAge, first.Year()-25-r.IntN(40)
	}
	c.BirthPlace = places[r.IntN(len(places))]
}
